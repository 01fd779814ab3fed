"""The resources of a `Modelyard` client, one module each: `yard.models`, `yard.workspaces`,
`yard.keys`, `yard.audit` and `yard.webhooks`.

Every method is build the call (pure, `_operations`), send it (the only step that differs between
a method and its `_async` twin), read the outcome (pure). The twins share one declaration of their
keyword arguments (`_params`), and the page iterators are `_pagination`'s, so each twin is a line
or two.
"""
