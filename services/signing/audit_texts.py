"""Words of the certificate of completion, per process language."""

from typing import Final

TEXTS: Final[dict[str, dict[str, str]]] = {
    "en": {
        "title": "Certificate of completion",
        "document": "Document", "sha256": "SHA-256 of the original", "request": "Request",
        "completed": "Completed (UTC)", "parties": "Parties", "events": "Events",
        "signer": "Signer", "approver": "Approver", "viewer": "Copy recipient",
        "eid": "eID", "email_otp": "One-time code by email", "click": "Signing link",
        "signed": "signed", "approved": "approved", "declined": "declined",
        "waiting": "did not act", "invited": "did not act", "at": "at", "from": "from",
        "created": "Request created", "sent": "Request sent", "invited_action": "Invited",
        "reminded": "Reminded", "viewed": "Opened the document", "code_sent": "Code sent",
        "authenticated": "Authenticated", "signed_action": "Signed",
        "approved_action": "Approved", "declined_action": "Declined",
        "sealed": "Sealed by the platform", "unsealed_action": "Sealing delayed", "seal_note": (
            "This page was appended to the original, unchanged pages and the whole file was "
            "sealed with the platform's certificate (PAdES)."
        ),
    },
    "sv": {
        "title": "Intyg om slutförd signering",
        "document": "Dokument", "sha256": "SHA-256 för originalet", "request": "Begäran",
        "completed": "Slutförd (UTC)", "parties": "Parter", "events": "Händelser",
        "signer": "Undertecknare", "approver": "Godkännare", "viewer": "Kopiemottagare",
        "eid": "e-legitimation", "email_otp": "Engångskod via e-post", "click": "Signeringslänk",
        "signed": "signerade", "approved": "godkände", "declined": "avböjde",
        "waiting": "agerade inte", "invited": "agerade inte", "at": "den", "from": "från",
        "created": "Begäran skapad", "sent": "Begäran skickad", "invited_action": "Inbjuden",
        "reminded": "Påmind", "viewed": "Öppnade dokumentet", "code_sent": "Kod skickad",
        "authenticated": "Identifierad", "signed_action": "Signerade",
        "approved_action": "Godkände", "declined_action": "Avböjde",
        "sealed": "Förseglad av plattformen", "unsealed_action": "Förseglingen försenad",
        "seal_note": (
            "Denna sida lades till efter originalets oförändrade sidor och hela filen "
            "förseglades med plattformens certifikat (PAdES)."
        ),
    },
    "de": {
        "title": "Abschlusszertifikat",
        "document": "Dokument", "sha256": "SHA-256 des Originals", "request": "Anfrage",
        "completed": "Abgeschlossen (UTC)", "parties": "Beteiligte", "events": "Ereignisse",
        "signer": "Unterzeichner", "approver": "Genehmiger", "viewer": "Kopieempfänger",
        "eid": "eID", "email_otp": "Einmalcode per E-Mail", "click": "Signaturlink",
        "signed": "unterschrieben", "approved": "genehmigt", "declined": "abgelehnt",
        "waiting": "nicht gehandelt", "invited": "nicht gehandelt", "at": "am", "from": "von",
        "created": "Anfrage erstellt", "sent": "Anfrage gesendet", "invited_action": "Eingeladen",
        "reminded": "Erinnert", "viewed": "Dokument geöffnet", "code_sent": "Code gesendet",
        "authenticated": "Authentifiziert", "signed_action": "Unterschrieben",
        "approved_action": "Genehmigt", "declined_action": "Abgelehnt",
        "sealed": "Von der Plattform versiegelt", "unsealed_action": "Versiegelung verzögert",
        "seal_note": (
            "Diese Seite wurde an die unveränderten Originalseiten angehängt und die gesamte "
            "Datei mit dem Zertifikat der Plattform versiegelt (PAdES)."
        ),
    },
    "es": {
        "title": "Certificado de finalización",
        "document": "Documento", "sha256": "SHA-256 del original", "request": "Solicitud",
        "completed": "Completado (UTC)", "parties": "Partes", "events": "Eventos",
        "signer": "Firmante", "approver": "Aprobador", "viewer": "Destinatario de copia",
        "eid": "eID", "email_otp": "Código de un solo uso por correo", "click": "Enlace de firma",
        "signed": "firmó", "approved": "aprobó", "declined": "rechazó",
        "waiting": "no actuó", "invited": "no actuó", "at": "el", "from": "desde",
        "created": "Solicitud creada", "sent": "Solicitud enviada", "invited_action": "Invitado",
        "reminded": "Recordatorio", "viewed": "Abrió el documento", "code_sent": "Código enviado",
        "authenticated": "Autenticado", "signed_action": "Firmó",
        "approved_action": "Aprobó", "declined_action": "Rechazó",
        "sealed": "Sellado por la plataforma", "unsealed_action": "Sellado retrasado",
        "seal_note": (
            "Esta página se añadió a las páginas originales sin cambios y todo el archivo se "
            "selló con el certificado de la plataforma (PAdES)."
        ),
    },
}  # fmt: skip

ACTION_KEYS: Final[dict[str, str]] = {
    "created": "created", "sent": "sent", "invited": "invited_action", "reminded": "reminded",
    "viewed": "viewed", "code_sent": "code_sent", "authenticated": "authenticated",
    "signed": "signed_action", "approved": "approved_action", "declined": "declined_action",
    "sealed": "sealed", "unsealed": "unsealed_action",
}  # fmt: skip


def words(language: str) -> dict[str, str]:
    return TEXTS[language]


def action_label(language: str, action: str) -> str:
    key = ACTION_KEYS.get(action)
    return TEXTS[language][key] if key else action
