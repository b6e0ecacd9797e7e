from services.ingest.app import NAME, PORT, create_runtime
from shared import service_main

service_main(
    name=NAME, app_factory="services.ingest.app:create_app", runtime_factory=create_runtime, port=PORT
)
