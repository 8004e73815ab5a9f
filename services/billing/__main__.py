"""python -m services.billing"""

from services.billing.app import create_app
from services.billing.settings import BillingSettings
from shared.service import run

if __name__ == "__main__":
    run(create_app, BillingSettings())
