"""python -m services.documents"""

from services.documents.app import create_app
from services.documents.settings import DocumentsSettings
from shared.service import run

if __name__ == "__main__":
    run(create_app, DocumentsSettings())
