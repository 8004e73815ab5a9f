"""HTTP routes, split by behaviour: folders, documents (bytes), activity, resumable uploads."""

from services.documents.api.activity import api as activity
from services.documents.api.content import api as content
from services.documents.api.documents import api as documents
from services.documents.api.folders import api as folders
from services.documents.api.multipart import api as multipart
from services.documents.api.requests import api as requests
from services.documents.api.threads import api as threads

APIS = [folders, documents, content, activity, multipart, requests, threads]
