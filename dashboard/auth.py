"""Who may see what: an optional login (OIDC through st.login, or built-in passwords) and two roles.

- No login configured: local single-user mode. A visitor on this machine (127.0.0.1, no proxy in between) is an admin;
  anyone else who can reach the port (the operator set STREAMLIT_SERVER_ADDRESS without a login) only reads.
- `[auth]` in .streamlit/secrets.toml (Streamlit's own OIDC settings): "Log in" sends the visitor to the identity
  provider; `[access] admins` / `viewers` / `viewer_domains` give the role by verified e-mail, anyone else is refused.
- `[access.users.NAME]` with `role` and `password_hash` (`supplier-risk hash-password`): a built-in login for a small
  team. Repeated failures lock the user name for a while.

Only an admin sees upload, folder and rebuild on the Data page; folders only under the configured roots
(`SUPPLIER_RISK_FOLDER_ROOTS` or `[access] folder_roots`). docs/security.md says how to set it up.
"""

from __future__ import annotations

import logging
import math
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from dashboard.components import md
from dashboard.passwords import dummy_hash, verify_password

ADMIN, VIEWER = "admin", "viewer"
ROLES = (ADMIN, VIEWER)
SESSION_KEY = "_visitor"  # the visitor of this run, set by gate()
LOGIN_KEY = "_password_login"  # a built-in password login, kept for the browser session
ROOTS_ENV = "SUPPLIER_RISK_FOLDER_ROOTS"
PROXY_HEADERS = ("X-Forwarded-For", "Forwarded", "X-Real-Ip")
# Built-in login: after this many wrong passwords in a row a user name is locked, for LOCK_SECONDS doubling with
# every further failure, at most MAX_LOCK_SECONDS.
MAX_TRIES, LOCK_SECONDS, MAX_LOCK_SECONDS = 5, 60, 900

LOG = logging.getLogger("supplier_risk.auth")


@dataclass(frozen=True)
class Visitor:
    name: str
    role: str
    method: str  # local, remote, password, oidc

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN


LOCAL = Visitor("local user", ADMIN, "local")
REMOTE = Visitor("visitor", VIEWER, "remote")


def _section(name: str) -> dict:
    """A section of st.secrets as a plain dict ({} without a secrets file or section)."""
    try:
        value = st.secrets.get(name)
    except Exception:  # no secrets.toml anywhere: Streamlit raises on first access
        return {}
    return value.to_dict() if hasattr(value, "to_dict") else dict(value or {})


def access() -> dict:
    """The [access] section of .streamlit/secrets.toml."""
    return _section("access")


def oidc_enabled() -> bool:
    return bool(_section("auth"))


def password_users() -> dict[str, dict]:
    return {str(name): dict(user) for name, user in (access().get("users") or {}).items()}


def login_required() -> bool:
    return oidc_enabled() or bool(password_users())


def _is_local_request() -> bool:
    """The browser runs on this machine: no remote address and no proxy header (a proxy on this machine would make
    every visitor look local)."""
    if st.context.ip_address is not None:
        return False
    headers = st.context.headers or {}
    return not any(header in headers for header in PROXY_HEADERS)


def _oidc_visitor() -> Visitor | None:
    """The logged-in OIDC user with the role their verified e-mail has, or None when they have none."""
    email = str(st.user.get("email") or "").strip().lower()
    if not email or st.user.get("email_verified") is False:
        return None
    settings = access()
    admins = {str(e).strip().lower() for e in settings.get("admins", [])}
    viewers = {str(e).strip().lower() for e in settings.get("viewers", [])}
    domains = {str(d).strip().lower().lstrip("@") for d in settings.get("viewer_domains", [])}
    name = str(st.user.get("name") or email)
    if email in admins:
        return Visitor(name, ADMIN, "oidc")
    if email in viewers or email.rsplit("@", 1)[-1] in domains:
        return Visitor(name, VIEWER, "oidc")
    return None


@st.cache_resource
def _failures() -> tuple[threading.Lock, dict[str, tuple[int, float]]]:
    """Process-wide consecutive failures per user name: (count, locked until)."""
    return threading.Lock(), {}


def check_password(name: str, password: str) -> tuple[Visitor | None, str]:
    """(visitor, "") for a right user name and password, else (None, why)."""
    lock, failures = _failures()
    with lock:
        count, until = failures.get(name, (0, 0.0))
    if time.time() < until:
        return None, f"Too many wrong passwords for this user name: try again in {math.ceil(until - time.time())} s."
    user = password_users().get(name)
    stored = str(user.get("password_hash", "")) if user else ""
    matches = verify_password(password, stored or dummy_hash()) and bool(stored)
    role = str(user.get("role", "")) if user else ""
    if matches and role in ROLES:
        with lock:
            failures.pop(name, None)
        return Visitor(name, role, "password"), ""
    if matches:
        LOG.warning("user %r has no valid role (%r); set role = \"admin\" or \"viewer\"", name, role)
        return None, "This user has no role configured: ask whoever runs the dashboard."
    count += 1
    locked = min(LOCK_SECONDS * 2 ** (count - MAX_TRIES), MAX_LOCK_SECONDS) if count >= MAX_TRIES else 0
    with lock:
        failures[name] = (count, time.time() + locked)
    LOG.warning("failed login for user name %r (%d in a row)", name, count)
    return None, "Wrong user name or password."


def _login_page() -> None:
    st.title("Supplier risk cockpit")
    st.caption("Log in to see the dashboard.")
    if oidc_enabled():
        provider = access().get("oidc_provider")
        if st.button("Log in with your organisation's account", key="login_oidc", type="primary",
                     icon=":material/login:"):
            st.login(provider) if provider else st.login()
    if password_users():
        with st.form("login_form"):
            name = st.text_input("User name", key="login_name")
            password = st.text_input("Password", type="password", key="login_password")
            submitted = st.form_submit_button("Log in", key="login_submit", type="primary")
        if submitted:
            visitor, why = check_password(name.strip(), password)
            if visitor is None:
                st.error(why, icon=":material/lock:")
            else:
                st.session_state[LOGIN_KEY] = visitor
                st.rerun()


def _refused() -> None:
    st.title("Supplier risk cockpit")
    st.error(f"The account {md(st.user.get('email') or '(no e-mail)')} may not see this dashboard"
             + (" (its e-mail is not verified)" if st.user.get("email_verified") is False else "")
             + ": ask whoever runs it to add you.", icon=":material/block:")
    if st.button("Log out", key="logout_refused"):
        st.logout()


def gate() -> Visitor:
    """The visitor of this run. When a login is configured and nobody is logged in, draw the login page and stop."""
    if not login_required():
        visitor = LOCAL if _is_local_request() else REMOTE
    elif st.session_state.get(LOGIN_KEY) is not None:
        visitor = st.session_state[LOGIN_KEY]
    elif oidc_enabled() and st.user.get("is_logged_in"):
        visitor = _oidc_visitor()
        if visitor is None:
            _refused()
            st.stop()
    else:
        _login_page()
        st.stop()
    st.session_state[SESSION_KEY] = visitor
    return visitor


def current() -> Visitor:
    """The visitor gate() let in on this run (a page run on its own, as in benchmarks, gets the same decision)."""
    visitor = st.session_state.get(SESSION_KEY)
    if visitor is not None:
        return visitor
    if not login_required():
        return LOCAL if _is_local_request() else REMOTE
    return Visitor("nobody", "", "none")


def sidebar(visitor: Visitor) -> None:
    """Who is logged in, and a way out."""
    with st.sidebar:
        if visitor.method == "remote":
            st.caption("Read-only: loading data and rebuilding are only possible on the machine running the "
                       "dashboard, or with a login configured (docs/security.md).")
            return
        if visitor.method == "local":
            return
        st.caption(f"Signed in as {md(visitor.name)} ({visitor.role})")
        if st.button("Log out", key="logout", icon=":material/logout:"):
            if visitor.method == "oidc":
                st.logout()
            else:
                st.session_state.pop(LOGIN_KEY, None)
                st.session_state.pop(SESSION_KEY, None)
                st.rerun()


# --- folders on the server ------------------------------------------------------------------------------------------

class FolderRefused(Exception):
    """A folder the Data page may not read."""


def folder_roots() -> list[Path]:
    """The folders (and everything under them) the Data page may read: $SUPPLIER_RISK_FOLDER_ROOTS (separated by
    the path separator, ':' on Linux), else `[access] folder_roots`; without either, the home folder in local mode
    and none when a login is configured."""
    configured = os.environ.get(ROOTS_ENV)
    if configured is not None:
        raw = [p for p in configured.split(os.pathsep) if p.strip()]
    else:
        raw = access().get("folder_roots")
        if raw is None:
            raw = [] if login_required() else [str(Path.home())]
    return [Path(p).expanduser().resolve() for p in raw]


def _inside(path: Path, roots: list[Path]) -> bool:
    return any(path == root or path.is_relative_to(root) for root in roots)


def allowed_folder(text: str) -> Path:
    """The folder `text` names, resolved (symbolic links followed), if it and every file in it lie under a root;
    raises FolderRefused otherwise. A relative path is taken from the first root."""
    roots = folder_roots()
    if not roots:
        raise FolderRefused("No folder on the server may be read here: upload the files instead, or ask whoever runs "
                            f"the dashboard to set folder_roots ({ROOTS_ENV}).")
    path = Path(text).expanduser()
    real = (path if path.is_absolute() else roots[0] / path).resolve()
    if not _inside(real, roots):
        raise FolderRefused(f"{text} is outside the folders this dashboard may read ("
                            + ", ".join(str(r) for r in roots) + ").")
    if real.is_dir():
        for entry in sorted(real.iterdir()):
            if entry.is_symlink() and not _inside(entry.resolve(), roots):
                raise FolderRefused(f"{entry.name} in {real} is a link to a file outside the folders this dashboard "
                                    "may read; copy the file into the folder instead.")
    return real
