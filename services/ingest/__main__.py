from services.ingest.app import SERVICE
from shared import service_main

service_main(SERVICE, app_factory="services.ingest.app:create_app")
