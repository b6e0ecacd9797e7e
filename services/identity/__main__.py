from services.identity.app import SERVICE
from shared import service_main

service_main(SERVICE, app_factory="services.identity.app:create_app")
