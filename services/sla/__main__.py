from services.sla.app import SERVICE
from shared import service_main

service_main(SERVICE, app_factory="services.sla.app:create_app")
