from services.routing.app import SERVICE
from shared import service_main

service_main(SERVICE, app_factory="services.routing.app:create_app")
