"""Single sign-on through an OpenID Connect provider (Microsoft Entra ID, Google, Okta...).

Authlib's Flask client does the protocol: the issuer's discovery document, the authorisation
code flow with PKCE (S256), a state and a nonce kept in the session and checked once, and the
ID token's signature verified against the provider's published keys (JWKS). On top of it this
module insists on what Authlib leaves optional: an ID token must be present, its audience
must contain our client id and its issuer must be the configured one. Who the verified claims
are is app/services/sso.py. Set-up: docs/single-sign-on.md.
"""
from __future__ import annotations

import requests
from authlib.integrations.base_client import OAuthError
from authlib.integrations.flask_client import FlaskOAuth2App, OAuth
from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from joserfc.errors import JoseError
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import User
from app.security import current_user
from app.services import sso
from app.web.sessions import safe_next, sign_in

bp = Blueprint("sso", __name__)

CLIENT_NAME = "idp"  # Authlib keeps its state under this name in the session
NEXT_KEY = "sso_next"
LEEWAY_SECONDS = 60  # clock difference allowed with the provider on exp, iat and nbf
HTTP_TIMEOUT_SECONDS = 10


class ProviderProblem(Exception):
    """The provider's discovery document is not what the configuration says."""


def enabled() -> bool:
    return bool(current_app.config.get("OIDC_ISSUER"))


def provider_name() -> str:
    return current_app.config.get("OIDC_PROVIDER_NAME") or "your organisation's account"


def client() -> FlaskOAuth2App:
    """The Authlib client for the configured provider, made on first use (so starting the app
    needs no network) and again if the configuration changes. Authlib caches the discovery
    document and the keys in it, and fetches the keys again when a token names a new one."""
    config = current_app.config
    issuer = config["OIDC_ISSUER"].rstrip("/")
    key = (issuer, config["OIDC_CLIENT_ID"], config["OIDC_CLIENT_SECRET"], config["OIDC_SCOPES"])
    cached = current_app.extensions.get("panelflow.sso")
    if cached is not None and cached[0] == key:
        return cached[1]
    kwargs = {"scope": config["OIDC_SCOPES"], "code_challenge_method": "S256",
              "default_timeout": HTTP_TIMEOUT_SECONDS}
    if not config["OIDC_CLIENT_SECRET"]:
        kwargs["token_endpoint_auth_method"] = "none"  # noqa: S105 - a public client: PKCE alone
    registry = OAuth(current_app._get_current_object())
    remote = registry.register(
        CLIENT_NAME, client_id=config["OIDC_CLIENT_ID"],
        client_secret=config["OIDC_CLIENT_SECRET"] or None,
        server_metadata_url=f"{issuer}/.well-known/openid-configuration", client_kwargs=kwargs)
    current_app.extensions["panelflow.sso"] = (key, remote)
    return remote


def _issuer(remote: FlaskOAuth2App) -> str:
    """The issuer as the discovery document spells it, once it matches the configured one
    (OpenID Connect Discovery 1.0, section 4.3)."""
    stated = str(remote.load_server_metadata().get("issuer", ""))
    if stated.rstrip("/") != current_app.config["OIDC_ISSUER"].rstrip("/"):
        raise ProviderProblem(f"discovery document names issuer {stated!r}")
    return stated


def _redirect_uri() -> str:
    return current_app.config.get("OIDC_REDIRECT_URI") or url_for("sso.callback", _external=True)


def _problem(message: str, status: int, title: str = "There was a problem signing you in"):
    return render_template("web/sign_in_problem.html", title=title, message=message,
                           provider=provider_name()), status


@bp.get("/login/sso")
def start():
    """Send the browser to the provider's sign-in page."""
    if not enabled():
        abort(404)
    if current_user() is not None:
        return redirect(safe_next(request.args.get("next")))
    session[NEXT_KEY] = request.args.get("next", "")
    try:
        remote = client()
        _issuer(remote)
        return remote.authorize_redirect(_redirect_uri())
    except (requests.RequestException, ValueError, ProviderProblem) as exc:
        current_app.logger.warning("single sign-on: provider unusable (%s: %s)",
                                   type(exc).__name__, exc)
        return _problem(f"{provider_name()} could not be reached. Try again in a few minutes.",
                        503)


def _verified_claims() -> dict:
    remote = client()
    issuer = _issuer(remote)
    # Made afresh for each call: Authlib consumes these options as it validates.
    options = {"iss": {"essential": True, "values": [issuer]},
               "aud": {"essential": True, "values": [current_app.config["OIDC_CLIENT_ID"]]},
               "exp": {"essential": True}}
    token = remote.authorize_access_token(claims_options=options, leeway=LEEWAY_SECONDS)
    claims = token.get("userinfo")
    if not claims:  # Authlib verifies an ID token only if one came: require it
        raise ProviderProblem("no ID token in the token response")
    return dict(claims)


def _save_person(claims: dict) -> User:
    config = current_app.config
    try:
        user = sso.user_from_claims(
            claims, username_claim=config["OIDC_USERNAME_CLAIM"],
            groups_claim=config["OIDC_GROUPS_CLAIM"],
            rules=sso.parse_group_map(config["OIDC_GROUP_MAP"]))
    except sso.SsoRefused:
        db.session.commit()  # roles withdrawn by the refresh stay withdrawn
        raise
    db.session.commit()
    return user


def _person(claims: dict) -> User:
    """The person for the claims, saved. Tried twice: someone's first sign-in in two tabs at
    once makes one of them lose the race to create them, and the second try finds them."""
    try:
        return _save_person(claims)
    except IntegrityError:
        db.session.rollback()
        return _save_person(claims)


@bp.get("/login/sso/callback")
def callback():
    """The provider sends the browser back here with a code; the code becomes verified claims,
    the claims a person, and the person a signed-in session."""
    if not enabled():
        abort(404)
    target = session.pop(NEXT_KEY, "")
    try:
        claims = _verified_claims()
    except (OAuthError, JoseError, ProviderProblem, requests.RequestException,
            ValueError) as exc:
        # State missing or used, ID token forged, expired or for someone else, the provider
        # said no or could not be reached: nobody is signed in, and the log says which.
        current_app.logger.warning("single sign-on refused: %s: %s", type(exc).__name__, exc)
        db.session.rollback()
        return _problem("Your sign-in could not be completed. Start again from the sign-in "
                        "page.", 401)
    try:
        user = _person(claims)
    except sso.SsoRefused as refused:
        current_app.logger.warning("single sign-on refused: %s", refused.reason)
        return _problem(refused.message, 403, title="You cannot sign in to Panelflow")
    # --- sign-in hook: the one call into app/web/sessions.py (whatever makes the session) ---
    sign_in(user)
    db.session.commit()
    current_app.logger.info("signed in through single sign-on: user %s", user.id)
    return redirect(safe_next(target))


def check_configuration(app: Flask) -> None:
    """Refuse to start with settings that would lock everyone out or fail at sign-in."""
    config = app.config
    if config.get("OIDC_ISSUER"):
        if not config.get("OIDC_CLIENT_ID"):
            raise RuntimeError("PANELFLOW_OIDC_CLIENT_ID must be set with PANELFLOW_OIDC_ISSUER")
        try:
            sso.parse_group_map(config.get("OIDC_GROUP_MAP") or "{}")
        except ValueError as exc:
            raise RuntimeError(f"PANELFLOW_OIDC_GROUP_MAP: {exc}") from exc
    elif not config.get("PASSWORD_LOGIN", True):
        raise RuntimeError("PANELFLOW_PASSWORD_LOGIN=0 needs single sign-on "
                           "(PANELFLOW_OIDC_ISSUER): otherwise nobody can sign in")
