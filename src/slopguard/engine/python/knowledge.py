"""What the taint tracker knows about Python libraries: sources, sanitisers, route decorators."""

from __future__ import annotations

import re

# Attributes of a request object that carry attacker-controlled data (Flask, Django, DRF, FastAPI/Starlette).
REQUEST_ATTRS = frozenset(
    {
        "args", "form", "values", "json", "data", "files", "cookies", "headers", "get_json", "get_data",
        "stream", "query_string", "view_args", "path", "full_path", "url", "base_url", "referrer",
        "user_agent", "GET", "POST", "body", "COOKIES", "META", "FILES", "query_params", "path_params",
        "raw_post_data", "content", "text", "read",
        "query", "match_info", "rel_url", "post", "multipart",  # aiohttp
    }
)  # fmt: skip

# Names a request object goes by.
REQUEST_NAMES = frozenset({"request", "req", "flask.request"})

# Calls and attributes that give whoever runs the program a say: the terminal, the command line, the environment.
# That is operator input, not a remote attacker's (see ``Level.OPERATOR``).
OPERATOR_CALLS = frozenset(
    {"input", "raw_input", "sys.stdin.read", "sys.stdin.readline", "sys.stdin.readlines", "fileinput.input",
     "os.getenv", "os.environ.get", "os.getenvb", "os.environb.get", "getpass.getpass"}
)  # fmt: skip
OPERATOR_ATTRS = frozenset({"sys.argv", "sys.stdin", "os.environ", "os.environb", "sys.orig_argv"})
# Methods of an argument parser whose result holds the command line's values.
OPERATOR_PARSE_METHODS = frozenset({"parse_args", "parse_known_args", "parse_intermixed_args"})
# Command-line frameworks whose decorated functions take their parameters from the command line (click, typer).
CLI_MODULES = frozenset({"click", "typer", "cyclopts"})
CLI_DECORATOR_ATTRS = frozenset({"command", "group", "option", "argument", "callback"})
# Methods of a Django management command (a ``BaseCommand`` subclass) that receive the command line's options.
COMMAND_HANDLERS = frozenset({"handle", "handle_label", "handle_app_config"})
# Task queues whose decorated functions run on arguments taken off a broker: whoever can enqueue a task (a web
# handler passing on a request, a partner sharing the queue) chooses them (Celery, dramatiq, huey, RQ).
TASK_MODULES = frozenset({"celery", "dramatiq", "huey", "rq"})
TASK_DECORATORS = frozenset({"task", "shared_task", "actor", "job", "db_task"})
# Attributes that are numbers whatever object carries them: an upload's size, a length, a model's primary key.
NUMERIC_ATTRS = frozenset({"size", "content_length", "pk"})
# Methods of sockets and streams that return bytes from the network.
SOURCE_METHODS = frozenset({"recv", "recvfrom", "recv_into", "recvmsg", "read_message"})
# Attributes of ``self`` that are the client's stream in socketserver/http.server request handlers.
SOURCE_SELF_ATTRS = frozenset({"rfile"})

# Calls whose result is safe to use in any sink (type conversion, escaping, quoting).
SANITIZERS = frozenset(
    {
        "int", "float", "bool", "len", "abs", "round", "complex", "ord", "hash", "id",
        "decimal.Decimal", "uuid.UUID", "ipaddress.ip_address", "ipaddress.ip_network",
        "html.escape", "markupsafe.escape", "flask.escape", "jinja2.escape", "django.utils.html.escape",
        "django.utils.html.format_html", "bleach.clean", "cgi.escape", "xml.sax.saxutils.escape",
        "shlex.quote", "pipes.quote", "shlex.join",
        "werkzeug.utils.secure_filename", "secure_filename", "os.path.basename",
        "werkzeug.utils.safe_join", "werkzeug.security.safe_join", "flask.safe_join", "django.utils._os.safe_join",
        "urllib.parse.quote", "urllib.parse.quote_plus", "urllib.parse.urlencode",
        "flask.url_for", "url_for", "django.urls.reverse", "reverse",
        "re.escape", "json.dumps", "base64.b64encode", "base64.urlsafe_b64encode",
        "datetime.date.fromisoformat", "datetime.datetime.fromisoformat", "datetime.datetime.strptime",
        "isinstance", "hasattr", "callable", "type",
        "ldap3.utils.conv.escape_filter_chars", "ldap.filter.escape_filter_chars", "ldap.filter.filter_format",
        "ldap.dn.escape_dn_chars", "ldap3.utils.dn.escape_rdn",
    }
)  # fmt: skip
SANITIZER_METHODS = frozenset(
    {
        "hexdigest", "digest", "isdigit", "isnumeric", "isalnum", "isalpha", "count",
        "quote_name", "quote_ident", "quote_identifier", "escape_identifier", "Identifier", "Literal",
    }
)  # fmt: skip

# Calls in a guard that do not validate their argument.
NON_GUARDS = frozenset(
    {
        "len", "bool", "str", "isinstance", "hasattr", "print", "any", "all", "getattr",
        # existence checks say nothing about where a path points
        "exists", "lexists", "isfile", "isdir", "islink", "is_file", "is_dir", "is_symlink", "getsize", "access",
        # a suffix or a type says nothing about the rest of the value
        "endswith",
        # text transforms test only that something is left (``if name.strip():``, ``[c for c in cs if c.strip()]``)
        "strip", "lstrip", "rstrip", "lower", "upper", "casefold", "title", "split", "rsplit", "splitlines",
    }
)  # fmt: skip

# Calls that end the request or the function (used for ``if bad: abort(400)`` guards).
EXIT_CALLS = frozenset({"abort", "flask.abort", "sys.exit", "exit", "quit", "os._exit"})

# Type annotations that FastAPI/Pydantic validate into safe values.
SAFE_ANNOTATIONS = frozenset({"int", "float", "bool", "UUID", "uuid.UUID", "date", "datetime", "Decimal", "EmailStr"})

# Decorator method names that declare a web route on an app/router/blueprint object.
ROUTE_METHODS = frozenset({"route", "get", "post", "put", "patch", "delete", "api_route", "websocket"})
ROUTE_DECORATORS = frozenset({"api_view", "require_http_methods", "require_POST", "require_GET", "csrf_exempt"})

# Flask path converters that produce safe values.
SAFE_CONVERTERS = frozenset({"int", "float", "uuid"})

# Functions that look a record up by an attacker-chosen key: the record itself is not attacker-controlled.
LOOKUPS = frozenset(
    {
        "get_object_or_404", "aget_object_or_404", "get_list_or_404", "aget_list_or_404", "authenticate",
        "aauthenticate", "get_or_404", "first_or_404", "one_or_404", "load_user", "get_user", "get_user_by_id",
        "check_password", "check_password_hash", "verify_password",
    }
)  # fmt: skip

# Methods that read a record by key (``sessions.get(token)``, ``db.find_one(key)``): the record is the server's,
# not the attacker's key. HTTP clients are not lookups: what they fetch from an attacker's URL is the attacker's.
LOOKUP_METHOD = re.compile(r"^(?:get|fetch|find|lookup|retrieve)(?:_?one|_first|_by_id|_by_pk|_by_key|_or_none)?$")
HTTP_CLIENTS = frozenset({"requests", "httpx", "urllib", "urllib3", "aiohttp"})

# Configuration parsers: a mapping filled with ``set(section, key, value)`` and read with ``get(section, key)``.
CONFIG_PARSERS = frozenset(
    {"configparser.ConfigParser", "configparser.RawConfigParser", "configparser.SafeConfigParser"}
)
# Encoders whose output is harmless text until the matching decoder gives the input back.
ENCODERS = frozenset(
    {"base64.b64encode", "base64.urlsafe_b64encode", "base64.standard_b64encode", "base64.b32encode",
     "base64.b16encode", "base64.b85encode", "base64.a85encode", "binascii.hexlify", "binascii.b2a_hex",
     "binascii.b2a_base64"}
)  # fmt: skip
DECODERS = frozenset(
    {"base64.b64decode", "base64.urlsafe_b64decode", "base64.standard_b64decode", "base64.b32decode",
     "base64.b16decode", "base64.b85decode", "base64.a85decode", "binascii.unhexlify", "binascii.a2b_hex",
     "binascii.a2b_base64"}
)  # fmt: skip

# HTML escapers: they make a value safe to put in a page, and nothing else (a path, a query, a session value).
HTML_ESCAPERS = frozenset(
    {"html.escape", "markupsafe.escape", "flask.escape", "jinja2.escape", "django.utils.html.escape",
     "django.utils.html.conditional_escape", "cgi.escape", "xml.sax.saxutils.escape", "bleach.clean", "escape"}
)  # fmt: skip
# Project helpers named for what they do: escape_html(), html_escape(), escape_for_html().
HTML_ESCAPER_NAME = re.compile(r"(?i)^(?:html_?escape|escape_?(?:for_?)?(?:html|xml)|xml_?escape)$")
