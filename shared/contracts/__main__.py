"""`python -m shared.contracts`: write the JSON Schema of every event type."""

from shared.contracts._registry import export

for path in export():
    print(path)
