# One image for all five services; compose and Kubernetes pick the service with its command,
# `python -m services.<name>` (identity, documents, signing, notify, billing).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN groupadd --system --gid 10001 portal \
    && useradd --system --uid 10001 --gid portal --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin portal

WORKDIR /app

# Fonts of signing's certificate page (names in any script).
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-dejavu-core fonts-wqy-microhei \
    && rm -rf /var/lib/apt/lists/*

# Dependencies first, in their own layer, so that a code change does not reinstall them: the
# project is installed from a stub of the two packages, then uninstalled again.
COPY pyproject.toml ./
RUN mkdir services shared \
    && touch services/__init__.py shared/__init__.py \
    && pip install . \
    && pip uninstall --yes client-portal \
    && rm -rf services shared build ./*.egg-info

# The project itself (with its migrations and other package data).
COPY shared ./shared
COPY services ./services
# The one-shot that makes the services' database roles and broker users (compose, k8s Job).
COPY deploy/__init__.py deploy/credentials.py ./deploy/
RUN pip install --no-deps . \
    && rm -rf build ./*.egg-info \
    && python -c "import services, shared"

USER portal:portal

# Each service listens on its own port (identity 8101 … billing 8105); the command chooses it.
EXPOSE 8101 8102 8103 8104 8105
CMD ["python", "-c", "raise SystemExit('run one service: python -m services.<identity|documents|signing|notify|billing>')"]
