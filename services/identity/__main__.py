"""python -m services.identity"""

from services.identity.app import create_app
from services.identity.settings import IdentitySettings
from shared.service import run

if __name__ == "__main__":
    run(create_app, IdentitySettings())
