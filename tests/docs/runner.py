"""One page's run: a shell, a Python namespace and a real server, shared by the page's blocks in
order, the way a reader following the page would have them.

- The server is `modelyard serve` on SQLite (`./modelyard.db` in the page's directory) with the
  packaged catalog, on a free port. It starts at the page's `<!-- docs: server -->` block, or
  before the first block when the page has none. Its first admin key (or the one `modelyard
  init` printed) is captured.
- Shell blocks run in one bash per page, in `~/registry` of a throwaway home, with the venv's
  `modelyard` first on PATH; once the server is up the shell has MODELYARD_SERVER_URL,
  MODELYARD_API_KEY, ADMIN_KEY and KEY (the last three: the admin key).
- Python blocks run in one namespace per page, in this process, with the same environment; a
  block that imports `mistralai` runs in the official SDK's cached virtualenv instead.
- The page's port (the first `127.0.0.1:PORT` it shows, else 8000) stands for the real one, and
  `"myd_..."` in code for the admin key: commands get the real values, outputs the page's.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import secrets
import select
import shutil
import subprocess
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from modelyard import Modelyard
from tests.support.server import free_port

from .markdown import Block, Command, commands, pycon_split

REPO_ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
COMMAND_TIMEOUT = 120.0
INSTALLED = "/srv/modelyard/venv/lib/python3.11/site-packages"
_KEY_ANNOUNCED = re.compile(r"store it now\):\s*\n\s*(myd_\S+)")
_DONE = "__docs_block_done__"


@dataclass
class Result:
    """What one command or block printed, next to what the page shows."""

    block: Block
    command: Command
    actual: str
    error: str | None = None  # a Python block that raised, a command that timed out


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@dataclass
class PageRun:
    page: Path
    root: Path  # a temporary directory of its own
    results: list[Result] = field(default_factory=list)
    skipped_at_runtime: list[tuple[Block, str]] = field(default_factory=list)
    admin_key: str | None = None
    server: Server | None = None
    _shell: subprocess.Popen[str] | None = None
    _namespace: dict[str, object] = field(default_factory=dict)
    _doc_to_real: dict[str, str] = field(default_factory=dict)
    _real_to_doc: dict[str, str] = field(default_factory=dict)
    _cleanups: list[object] = field(default_factory=list)
    _clients: list[Modelyard] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.home = self.root / "home"
        self.workdir = self.home / "registry"
        self.workdir.mkdir(parents=True)
        shown = re.search(r"127\.0\.0\.1:(\d{4,5})", self.page.read_text())
        self.doc_port = shown.group(1) if shown else "8000"
        self.port = free_port()
        self._real_to_doc[str(self.home)] = "/home/me"
        # The packaged files, where a reader's installation keeps them.
        self._real_to_doc[str(REPO_ROOT / "src")] = INSTALLED

    # -- the environment ------------------------------------------------------------------

    def base_env(self) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("MODELYARD_", "COLUMNS", "LINES", "PYTEST_", "FORCE_COLOR"))
        }
        env["HOME"] = str(self.home)
        env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
        env["NO_COLOR"] = "1"
        env["DOCS_REPO"] = str(REPO_ROOT)  # for a setup marker that needs the checkout
        return env

    def server_env(self) -> dict[str, str]:
        if self.server is None or self.admin_key is None:
            return {}
        url = f"http://127.0.0.1:{self.server.port}"
        key = self.admin_key
        return {
            "MODELYARD_SERVER_URL": url,
            "MODELYARD_API_KEY": key,
            "ADMIN_KEY": key,
            "KEY": key,
        }

    def to_real(self, text: str) -> str:
        text = re.sub(rf"\b{self.doc_port}\b", str(self.port), text)
        if self.admin_key:
            text = text.replace('"myd_..."', f'"{self.admin_key}"')
        for doc, real in self._doc_to_real.items():
            text = text.replace(doc, real)
        return text

    def to_doc(self, text: str) -> str:
        for real, doc in self._real_to_doc.items():
            text = text.replace(real, doc)
        ports = {str(self.port)} | ({str(self.server.port)} if self.server else set())
        for port in ports:
            text = re.sub(rf"\b{port}\b", self.doc_port, text)
        return text

    # -- blocks ---------------------------------------------------------------------------

    def run(self, block: Block, needs_server: bool) -> None:
        for marker in block.marker_args("postgresql"):
            if not self._postgres(block, marker):
                return
        for setup in block.marker_args("setup"):
            self._setup(block, setup)
        if block.server_command is not None:
            self._serve_block(block)
            return
        if needs_server and self.server is None:
            self.start_server("modelyard serve")
        if block.lang in ("python", "pycon"):
            self._python_block(block)
        else:
            ended = 0.0
            for command in commands(block):
                if "tick" in block.markers:
                    # Rows created in the same second tie (created is in seconds), and ties are
                    # ordered by id: let each command start in a second of its own.
                    time.sleep(max(0.0, int(ended) + 1 - time.time()))
                self.results.append(Result(block, command, self.shell(command.text)))
                ended = time.time()

    def _setup(self, block: Block, setup: str) -> None:
        lang, _, code = setup.partition("\n")
        if lang.strip() == "python":
            printed, error = self.python(code, block)
        else:
            printed, error = self.shell(code), None
        if error:
            raise AssertionError(f"{block.where}: the setup failed:\n{printed}{error}")

    def _postgres(self, block: Block, name: str) -> bool:
        from tests.support.databases import PG_ADMIN_URL, postgres_available, require_postgres

        if not postgres_available():
            if os.environ.get("CI") == "true":
                require_postgres()
            self.skipped_at_runtime.append((block, "PostgreSQL not reachable"))
            return False
        import sqlalchemy as sa

        real = f"{name}_{secrets.token_hex(4)}"
        admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{real}"'))

        def drop() -> None:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{real}" WITH (FORCE)'))
            admin.dispose()

        self._cleanups.append(drop)
        self._doc_to_real[name] = real
        self._real_to_doc[real] = name
        return True

    # -- the server -----------------------------------------------------------------------

    def start_server(self, command: str) -> tuple[Server, str]:
        """Start `command` (`modelyard serve ...`); return it and what it printed once ready."""
        port = free_port() if self.server else self.port
        command = re.sub(rf"\b{self.port}\b", str(port), self.to_real(command))
        if "--port" not in command:
            command += f" --port {port}"
        log = self.root / f"server-{port}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                ["bash", "-c", f"exec {command}"],
                cwd=self.workdir,
                env=self.base_env(),
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        server = Server(process, port, log)
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise AssertionError(f"{self.page.name}: `{command}` exited:\n{log.read_text()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                    break
            if time.monotonic() > deadline:
                server.stop()
                raise AssertionError(f"{self.page.name}: `{command}` not ready:\n{log.read_text()}")
            time.sleep(0.05)
        printed = log.read_text()
        if self.server is None:
            self.server = server
            announced = _KEY_ANNOUNCED.search(printed)
            if announced:
                self.admin_key = announced.group(1)
            if self.admin_key is None:
                raise AssertionError(f"{self.page.name}: no admin key was printed:\n{printed}")
            exports = " ".join(f"{k}={v}" for k, v in self.server_env().items())
            self.shell(f"export {exports}")
        return server, printed

    def _serve_block(self, block: Block) -> None:
        (command,) = commands(block)
        second = not block.starts_the_page_server
        if second and self.server is None:
            self.start_server("modelyard serve")
        server, printed = self.start_server(block.server_command or command.text)
        if second:  # a demonstration next to the page's server: stopped once compared
            server.stop()
        printed = re.sub(rf"\b{server.port}\b", self.doc_port, self.to_doc(printed))
        self.results.append(Result(block, command, printed))

    # -- running code ---------------------------------------------------------------------

    def shell(self, text: str) -> str:
        """Run `text` in the page's bash (state kept between calls); its stdout and stderr."""
        if self._shell is None:
            self._shell = subprocess.Popen(
                ["bash", "--noprofile", "--norc"],
                cwd=self.workdir,
                env=self.base_env(),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
        script = self.root / "command.sh"
        output = self.root / "command.out"
        script.write_text(self.to_real(text) + "\n")
        assert self._shell.stdin is not None
        assert self._shell.stdout is not None
        self._shell.stdin.write(f"source {script} > {output} 2>&1 < /dev/null; echo {_DONE}\n")
        self._shell.stdin.flush()
        ready, _, _ = select.select([self._shell.stdout], [], [], COMMAND_TIMEOUT)
        if not ready:
            raise AssertionError(f"{self.page.name}: `{text}` ran over {COMMAND_TIMEOUT} s")
        line = self._shell.stdout.readline()
        assert line.strip() == _DONE, line
        printed = output.read_text()
        announced = _KEY_ANNOUNCED.search(printed)
        if announced and self.admin_key is None:
            self.admin_key = announced.group(1)
        return self.to_doc(printed)

    def python(self, code: str, block: Block) -> tuple[str, str | None]:
        """Run `code` in the page's namespace: what it printed, and the traceback if it raised."""
        code = self.to_real(code)
        if re.search(r"^\s*(from|import) mistralai\b", code, re.MULTILINE):
            return self._official_sdk(code), None
        saved = dict(os.environ)
        os.environ.update(self.server_env())
        printed = io.StringIO()
        error = None
        try:
            with contextlib.redirect_stdout(printed):
                exec(compile(code, block.where, "exec"), self._namespace)
        except Exception:
            error = traceback.format_exc()
        finally:
            os.environ.clear()
            os.environ.update(saved)
            # A snippet may use `yard` after its `with` closed it (the SDK opens a new connection)
            # and the next one rebind the name: close them all at the end of the page.
            self._clients += [v for v in self._namespace.values() if isinstance(v, Modelyard)]
        return self.to_doc(printed.getvalue()), error

    def _official_sdk(self, code: str) -> str:
        from tests.compat.sdk_envs import MISTRALAI_3, ensure_env

        python = ensure_env(MISTRALAI_3).python
        done = subprocess.run(
            [str(python), "-c", code],
            cwd=self.workdir,
            env={**self.base_env(), **self.server_env()},
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT,
            check=False,
        )
        return self.to_doc(done.stdout + done.stderr)

    def _python_block(self, block: Block) -> None:
        end = block.body_start + len(block.body)
        if block.lang == "pycon":
            code, expected = pycon_split(block.body)
            shown = None
            span = (end, end)  # pycon outputs are compared, never rewritten
        else:
            code = block.body
            shown = block.output
            expected = shown.body.rstrip("\n") if shown else ""
            span = (shown.body_start, shown.body_start + len(shown.body)) if shown else (end, end)
        printed, error = self.python(code, block)
        command = Command(code, expected, span)
        if shown is None and block.lang == "python":
            printed = ""  # a block without an output block is run, and only must not raise
        self.results.append(Result(block, command, printed, error))

    def close(self) -> None:
        if self._shell is not None:
            if self._shell.stdin is not None:
                self._shell.stdin.close()
            self._shell.wait(timeout=10)
            if self._shell.stdout is not None:
                self._shell.stdout.close()
        for client in self._clients:
            client.close()
        if self.server is not None:
            self.server.stop()
        for cleanup in self._cleanups:
            cleanup()  # type: ignore[operator]
        shutil.rmtree(self.root, ignore_errors=True)
