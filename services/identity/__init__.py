"""Identity service: firms, staff, clients, contacts, invitations, sign-in and tokens."""
