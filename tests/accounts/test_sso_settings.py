"""SSO configuration that does not need the browser: CSP and the settings built from the environment."""

import pytest


@pytest.mark.django_db
def test_csp_lets_the_login_form_continue_to_the_configured_identity_provider(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {
            "APPS": [
                {
                    "provider_id": "company",
                    "name": "Company SSO",
                    "client_id": "ideabox",
                    "secret": "s",
                    "settings": {"server_url": "https://login.example.com/realms/staff"},
                }
            ]
        }
    }
    policy = client.get("/accounts/login/")["Content-Security-Policy"]
    assert "form-action 'self' https://login.example.com;" in policy

    settings.SOCIALACCOUNT_PROVIDERS = {}
    policy = client.get("/accounts/login/")["Content-Security-Policy"]
    assert "form-action 'self';" in policy
