"""Rotating SECRET_KEY (docs/operations.md): with the old key in SECRET_KEY_FALLBACKS nobody is logged out; once it
is dropped, sessions signed with it end."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client, override_settings

REPO = Path(__file__).resolve().parents[2]
OLD_KEY = "old-9Qv_Lr8mWp4Zx7Nc1Bd6Hf3Js0Ky5Tg8Ue2Ao7Ri4Sl1Mn9PqXz"  # only ever used in tests
NEW_KEY = "new-3Jd_Pq8Zr2Lm7Wx4Kc9Vb1Nf6Ht0Gs5Ya8Eu2Io7Rl4Sm1Tn9Qw"


def test_the_previous_keys_are_read_from_the_environment():
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": "chatserver.settings",
        "SECRET_KEY": NEW_KEY,
        "SECRET_KEY_FALLBACKS": f" {OLD_KEY} ,",
    }
    show = "import json; from django.conf import settings; print(json.dumps(settings.SECRET_KEY_FALLBACKS))"
    result = subprocess.run([sys.executable, "-c", show], env=env, cwd=REPO, capture_output=True, text=True)
    assert json.loads(result.stdout) == [OLD_KEY], result.stderr


@pytest.mark.django_db
def test_a_session_outlives_a_key_rotation_while_the_old_key_is_a_fallback(make_user):
    active, away = Client(), Client()
    with override_settings(SECRET_KEY=OLD_KEY):
        active.force_login(make_user())
        away.force_login(make_user())
    with override_settings(SECRET_KEY=NEW_KEY, SECRET_KEY_FALLBACKS=[OLD_KEY]):
        # Still logged in after the rotation; Django moves this session to the new key as it verifies it.
        assert active.get("/").status_code == 200
    with override_settings(SECRET_KEY=NEW_KEY, SECRET_KEY_FALLBACKS=[]):
        assert active.get("/").status_code == 200, "came back during the rotation: moved to the new key"
        assert away.get("/").status_code == 302, "away until the old key was dropped: logged out"
