"""Runbook operations of docs/operations.md that the application itself must support."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import signing
from django.test import Client

REPO = Path(__file__).resolve().parents[2]
OLD_KEY = "old-" + "o" * 56
NEW_KEY = "new-" + "n" * 56


def test_secret_key_fallbacks_come_from_the_environment(tmp_path):
    secret = tmp_path / "fallbacks"
    secret.write_text(f"{OLD_KEY}, older-{'x' * 50}\n")
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.SECRET_KEY_FALLBACKS)"
    )
    base = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env = {**base, "DEBUG": "1", "DJANGO_SETTINGS_MODULE": "config.settings"}
    outputs = []
    for extra in ({}, {"SECRET_KEY_FALLBACKS": OLD_KEY}, {"SECRET_KEY_FALLBACKS_FILE": str(secret)}):
        result = subprocess.run(
            [sys.executable, "-c", code],
            cwd=REPO,
            env={**env, **extra},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, result.stderr[-2000:]
        outputs.append(result.stdout.strip())
    assert outputs == ["[]", f"['{OLD_KEY}']", f"['{OLD_KEY}', 'older-{'x' * 50}']"]


@pytest.mark.django_db
def test_rotating_the_secret_key_with_a_fallback_keeps_people_logged_in(org, client, settings):
    settings.SECRET_KEY = OLD_KEY
    settings.SECRET_KEY_FALLBACKS = []
    client.force_login(org.alice)
    away = Client()
    away.force_login(org.bob)
    signed = signing.dumps({"unsubscribe": org.alice.pk})
    assert client.get("/me/").status_code == 200

    # Rotation, step 1: the new key signs, the old one still verifies. Alice's visit renews her
    # session with the new key.
    settings.SECRET_KEY = NEW_KEY
    settings.SECRET_KEY_FALLBACKS = [OLD_KEY]
    assert client.get("/me/").status_code == 200
    assert signing.loads(signed) == {"unsubscribe": org.alice.pk}

    # Step 2, the fallback removed: Alice stays logged in; Bob, who did not come back meanwhile,
    # must sign in again, and what the old key signed is refused.
    settings.SECRET_KEY_FALLBACKS = []
    assert client.get("/me/").status_code == 200
    response = away.get("/me/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    with pytest.raises(signing.BadSignature):
        signing.loads(signed)
