"""The access and change rules, literals in and answers out."""

from uuid import UUID

import pytest
from pydantic import ValidationError

from services.documents import domain
from services.documents.domain import Rules, Standing, content_type, sniff
from services.documents.models import DocumentChange, FolderCreate
from shared.auth import staff_sees_client
from shared.errors import Conflict, Invalid

A, B, C = UUID(int=1), UUID(int=2), UUID(int=3)


def standing(who: UUID = A, *, portal: bool = True, linked: bool = True, primary: bool = False):  # type: ignore[no-untyped-def]
    return Standing(who, portal, linked, primary)


@pytest.mark.parametrize(
    ("role", "assigned", "sees"),
    [("owner", False, True), ("admin", False, True), ("member", True, True),
     ("member", False, False), (None, True, False)],
)  # fmt: skip
def test_staff_see_clients_by_role_and_assignment(role, assigned, sees) -> None:  # type: ignore[no-untyped-def]
    assert staff_sees_client(role, assigned) is sees


def test_contacts_need_portal_access_link_level_and_audience() -> None:
    chosen = Rules("read", False, frozenset({A}))
    assert domain.contact_reads(chosen, standing(A))
    assert not domain.contact_reads(chosen, standing(B))
    assert not domain.contact_reads(chosen, standing(A, portal=False))
    assert not domain.contact_reads(chosen, standing(A, linked=False))
    assert not domain.contact_reads(Rules("none", True), standing(A))
    assert domain.contact_reads(Rules("read", True), standing(C))
    assert not domain.contact_uploads(chosen, standing(A))
    assert domain.contact_uploads(Rules("upload", True), standing(A))


def test_primary_contact_manages_only_where_allowed() -> None:
    managed = Rules("none", True, primary_manages=True)
    assert domain.contact_manages(managed, standing(A, primary=True))
    assert domain.contact_sees_folder(managed, standing(A, primary=True))
    assert not domain.contact_reads(managed, standing(A, primary=True))
    assert not domain.contact_manages(managed, standing(B))
    assert not domain.contact_manages(Rules("read", True), standing(A, primary=True))


def test_audience_lists_exactly_who_reads() -> None:
    rules = Rules("read", False, frozenset({B, C}))
    everyone = [standing(A), standing(B), standing(C, portal=False)]
    assert domain.audience(rules, everyone) == [B]


def test_subfolder_copies_parent_rules_unless_overridden() -> None:
    parent = Rules("upload", False, frozenset({A}), True)
    assert domain.subfolder_rules(parent) == parent
    assert domain.subfolder_rules(parent, level="read").level == "read"
    assert domain.subfolder_rules(None) == Rules()
    assert domain.admit_all(parent).audience_all


def test_a_name_that_exists_makes_a_version_unless_finalised() -> None:
    assert domain.placement(None) == "new"
    assert domain.placement(domain.Existing(A, False)) == "version"
    with pytest.raises(domain.Finalised):
        domain.placement(domain.Existing(A, True))


def test_contacts_delete_only_their_own_unfinalised_uploads_where_they_upload() -> None:
    assert domain.contact_may_delete(finalised=False, uploaded_by_them=True, may_upload_here=True)
    assert not domain.contact_may_delete(
        finalised=False, uploaded_by_them=False, may_upload_here=True
    )
    assert not domain.contact_may_delete(
        finalised=False, uploaded_by_them=True, may_upload_here=False
    )
    assert not domain.contact_may_delete(
        finalised=True, uploaded_by_them=True, may_upload_here=True
    )


def test_approval_first_answer_decides_unless_contacts_are_named() -> None:
    assert domain.approval_status(None, {}) == "pending"
    assert domain.approval_status(None, {A: "rejected"}) == "rejected"
    assert domain.approval_status([A, B], {A: "accepted"}) == "pending"
    assert domain.approval_status([A, B], {A: "accepted", B: "accepted"}) == "accepted"
    assert domain.approval_status([A, B], {B: "rejected"}) == "rejected"


def test_unique_name_for_copies() -> None:
    assert domain.unique_name("a.pdf", set()) == "a.pdf"
    assert domain.unique_name("a.pdf", {"a.pdf", "a (2).pdf"}) == "a (3).pdf"
    assert domain.unique_name("notes", {"notes"}) == "notes (2)"


def test_sniffing_refuses_content_that_contradicts_the_name() -> None:
    assert sniff(b"%PDF-1.7\n") == "application/pdf"
    assert content_type("x.pdf", b"%PDF-1.4 ...") == "application/pdf"
    assert content_type("x.docx", b"PK\x03\x04rest").endswith("wordprocessingml.document")
    assert content_type("unknown.bin", b"\x00\x01") == "application/octet-stream"
    with pytest.raises(domain.UnsupportedContent):
        content_type("x.pdf", b"MZ\x90\x00")
    with pytest.raises(domain.UnsupportedContent):
        content_type("photo.png", b"%PDF-1.4")


def test_an_approval_asks_the_named_contacts_or_everyone_who_sees_the_document() -> None:
    assert domain.approval_askees(None, [B, A]) == [A, B]
    assert domain.approval_askees([B, B], [A, B]) == [B]
    with pytest.raises(Invalid):
        domain.approval_askees([C], [A, B])


def test_an_approval_nobody_could_answer_is_refused() -> None:
    with pytest.raises(Invalid):
        domain.approval_askees([], [A])
    with pytest.raises(Conflict):
        domain.approval_askees(None, [])


@pytest.mark.parametrize("name", [".", "..", "...", " . "])
def test_a_name_of_only_dots_is_refused(name: str) -> None:
    for model in (DocumentChange, FolderCreate):
        with pytest.raises(ValidationError, match="more than dots"):
            model(name=name)


def test_names_with_dots_are_fine() -> None:
    assert DocumentChange(name=".env.pdf").name == ".env.pdf"
    assert FolderCreate(name="Bokslut 2026...").name == "Bokslut 2026..."
