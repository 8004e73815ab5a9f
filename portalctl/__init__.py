"""`portalctl`: the operators' command line (migrations, outbox, dead letters, keys, firms,
health). It is no service: it reads each service's settings from the environment as that
service does, and works on its database and the broker with the kit's own code."""
