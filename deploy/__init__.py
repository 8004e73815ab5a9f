"""Deployment: gateway config, Kubernetes manifests, and the local run's tooling."""
