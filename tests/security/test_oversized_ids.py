"""Ids in addresses that no database key can hold (or that only look like digits) are answered as
"not found", ignored by the pages or refused by the API's filters, never as a server error (SQLite
raised OverflowError past 2**63 - 1: found by schemathesis on /api/v1/ideas/?theme=722750253460193935360)."""

import pytest
from django.test import Client

from config.params import ID_MAX, as_id

pytestmark = pytest.mark.django_db

HUGE = "722750253460193935360"


def test_as_id_accepts_keys_only():
    assert as_id("42") == 42
    assert as_id(" 7 ") == 7
    assert as_id(str(ID_MAX)) == ID_MAX
    for value in (None, "", "0", "-3", "4.2", "²", "١٢", str(ID_MAX + 1), HUGE, "12abc"):
        assert as_id(value) is None, value


@pytest.mark.parametrize(
    ("path", "status"),
    [
        (f"/api/v1/ideas/?theme={HUGE}&campaign={HUGE}&domain=²", 400),  # the API refuses what is no id
        (f"/api/v1/ideas/{HUGE}/", 404),
        (f"/ideas/?theme={HUGE}", 200),
        (f"/ideas/similar/?title=Automate+invoices&exclude={HUGE}", 200),
        (f"/points/leaderboard/?entity={HUGE}", 200),
        (f"/moderation/queue/?domain={HUGE}&entity=²", 200),
        (f"/analytics/data/participation.json?entity={HUGE}", 200),
    ],
)
def test_pages_and_api_do_not_fail_on_oversized_ids(org, path, status):
    client = Client(raise_request_exception=False)
    client.force_login(org.camille)  # community manager: may open every one of these
    assert client.get(path).status_code == status
