"""Operational endpoints and the OpenAPI document."""

from tests.support.app import Harness

SEED_OPERATIONS = {
    ("get", "/v1/models"): "list_models_v1_models_get",
    ("get", "/v1/models/{model_id}"): "retrieve_model_v1_models__model_id__get",
    ("delete", "/v1/models/{model_id}"): "delete_model_v1_models__model_id__delete",
    (
        "patch",
        "/v1/fine_tuning/models/{model_id}",
    ): "jobs_api_routes_fine_tuning_update_fine_tuned_model",
    (
        "post",
        "/v1/fine_tuning/models/{model_id}/archive",
    ): "jobs_api_routes_fine_tuning_archive_fine_tuned_model",
    (
        "delete",
        "/v1/fine_tuning/models/{model_id}/archive",
    ): "jobs_api_routes_fine_tuning_unarchive_fine_tuned_model",
}


def test_health_and_readiness_need_no_key(app: Harness):
    assert app.call("GET", "/healthz", key=None).json() == {"status": "ok"}
    assert app.call("GET", "/readyz", key=None).json() == {"status": "ready"}


def test_openapi_has_the_seeds_operation_ids(app: Harness):
    spec = app.call("GET", "/openapi.json", key=None).json()
    found = {
        (method, path): operation["operationId"]
        for path, item in spec["paths"].items()
        for method, operation in item.items()
    }
    for route, operation_id in SEED_OPERATIONS.items():
        assert found.get(route) == operation_id, route


def test_the_docs_page_works_without_internet(app: Harness):
    page = app.call("GET", "/docs", key=None)
    assert page.status_code == 200
    assert "cdn" not in page.text.lower()
    scripts = [part.split('"')[0] for part in page.text.split('src="')[1:]]
    assert scripts
    for script in scripts:
        assert script.startswith("/"), script
        assert app.call("GET", script, key=None).status_code == 200
