from gateway.app import SERVICE
from shared import service_main

service_main(SERVICE, app_factory="gateway.app:create_app")
