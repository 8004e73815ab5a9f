"""python -m services.signing"""

from services.signing.app import create_app
from services.signing.settings import SigningSettings
from shared.service import run

if __name__ == "__main__":
    run(create_app, SigningSettings())
