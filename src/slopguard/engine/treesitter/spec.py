"""How each language spells the few things taint tracking needs: scopes, bindings, calls, strings, sources."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from tree_sitter import Node

# (a function node, the text of a node) -> the positions of its parameters that carry request data
EntryParameters = Callable[[Node, Callable[[Node | None], str]], frozenset[int]]


@dataclass(frozen=True)
class Binding:
    """A node kind that binds a name to a value: the field holding the target and the one holding the value."""

    kind: str
    target: str  # '' for the node's first named child (a match arm's pattern)
    value: str
    augmented: bool = False
    # The kind of the enclosing node whose ``value`` field holds the value: a Rust match arm's pattern binds
    # parts of the matched value (``match (&a, &b) { (_, Some(url)) => .. }``).
    scrutinee: str = ""


# Sources that are the operator's, not a remote attacker's: the command line, the environment, the terminal.
# Matched against the text that matched ``sources`` (or an environment read that is no source at all).
OPERATOR_SOURCES = re.compile(
    r"^process\.(?:argv|env)\b|^Deno\.(?:args|env)\b|^os\.(?:Args|Getenv|LookupEnv|Environ|Stdin)\b"
    r"|^bufio\.New(?:Reader|Scanner)\(os\.Stdin\)|^(?:std::)?env::(?:args|var)|^(?:std::)?io::stdin\(\)|^stdin\(\)"
    r"|^System\.(?:getenv|getProperty|console)\b|^argv\b|^(?:std::)?(?:secure_)?getenv\s*\("
)


@dataclass(frozen=True)
class LanguageSpec:
    """Node kinds and patterns of one language (several grammars may share one spec)."""

    name: str
    functions: frozenset[str]
    bindings: tuple[Binding, ...]
    calls: dict[str, tuple[str, str]]  # call kind -> (callee field, arguments field)
    members: dict[str, str]  # member/subscript kind -> object field
    strings: frozenset[str]
    templates: dict[str, str] = field(default_factory=dict)  # template kind -> substitution kind
    wrappers: frozenset[str] = frozenset()  # parentheses, await, casts, references: value is the inner node
    identifiers: frozenset[str] = frozenset({"identifier"})
    parameters: frozenset[str] = frozenset()  # parameter node kinds
    sources: re.Pattern[str] = re.compile(r"(?!)")  # matched against member/call text
    sanitizers: re.Pattern[str] = re.compile(r"(?!)")  # matched against callee names
    formatters: re.Pattern[str] = re.compile(r"(?!)")  # callee names that build strings from their arguments
    tainted_parameter: re.Pattern[str] = re.compile(r"(?!)")  # matched against a parameter's full text
    # Calls that write into the variables passed by address (``&in``): ``fillers`` copy what their receiver and
    # other arguments hold (``json.NewDecoder(r.Body).Decode(&in)``), ``binders`` copy request data
    # (``c.ShouldBindJSON(&in)``). Both matched against callee names.
    fillers: re.Pattern[str] = re.compile(r"(?!)")
    binders: re.Pattern[str] = re.compile(r"(?!)")
    operator_sources: re.Pattern[str] = OPERATOR_SOURCES  # sources (and parameters) that are operator input
    # Method calls that send a request (``client.get(url)``) rather than look a record up by key: what they return
    # is what the server at that URL wrote. Matched against callee names.
    requests: re.Pattern[str] = re.compile(r"(?!)")
    # Parameters tainted by where their function sits, not by how they are spelled (GraphQL resolvers' args).
    entry_parameters: EntryParameters | None = None


_JS_SOURCES = re.compile(  # Koa's ctx.body is the response body (the request's is ctx.request.body)
    r"^(?:req|request|ctx\.request|ctx(?!\.body\b))\.(?:query|body|params|headers|cookies|signedCookies|url|originalUrl|path|"
    r"hostname|ip|files?|get\b|header\b|param\b|querystring\b|href\b|payload\b|nextUrl\b)"
    r"|^(?:req|request)\.(?:json|formData|text)\("
    r"|^c\.req\.(?:query|queries|param|json|header|parseBody|formData|text|valid|arrayBuffer|blob)\b"
    r"|^(?:cookies|headers)\(\)\.get\("  # Next.js server components and actions (next/headers)
    r"|(?:^|\.)searchParams\.get(?:All)?\(|^(?:router|useRouter\(\))\.query\b|^window\.name\b"
    r"|^use(?:Search)?Params\(\)"  # React Router / Next.js client hooks: the page's own URL
    r"|(?:^|\.)(?:queryParamMap|paramMap)\.get\(|\.snapshot\.(?:queryParams|params|fragment)\b"  # Angular routes
    r"|^(?:window\.|document\.)?location\.(?:hash|search|href|pathname)|^document\.(?:URL|referrer|cookie)"
    r"|^process\.argv|^(?:event|e)\.(?:data|target\.value)|^(?:localStorage|sessionStorage)\.getItem"
    r"|^event\.(?:body|queryStringParameters|multiValueQueryStringParameters|pathParameters)\b"
)
_JS_SANITIZERS = re.compile(
    r"(?:^|\.)(?:parseInt|parseFloat|Number|Boolean|encodeURIComponent|encodeURI|escape|escapeHtml|sanitize|"
    r"sanitizeHtml|DOMPurify\.sanitize|xss|validator\.\w+|mysql\.escape|pg\.escapeLiteral|escapeLiteral|"
    r"escapeIdentifier|path\.basename|basename|uuidValidate|isUUID|filterXSS|encodeHTML|escapeHTML|htmlEscape|"
    r"quote|shellEscape|shellescape|ObjectId|isValidObjectId|Math\.(?:floor|ceil|round|trunc|abs|min|max)"
    r"|jwtVerify|jwt\.verify|jsonwebtoken\.verify)$"  # a verified token's claims are its issuer's, not the sender's
)

_GRAPHQL_ROOTS = frozenset({"Query", "Mutation", "Subscription"})


def _graphql_resolver_arguments(fn: Node, text: Callable[[Node | None], str]) -> frozenset[int]:
    """``Query: { user: (parent, args, context) => ... }``: a resolver's second parameter is the client's
    arguments (apollo-server, graphql-yoga, mercurius, graphql-tools resolver maps)."""
    if fn.type == "method_definition":
        holder = fn.parent
    elif fn.parent is not None and fn.parent.type == "pair":
        holder = fn.parent.parent
    else:
        return frozenset()
    root = holder.parent if holder is not None and holder.type == "object" else None
    if root is None or root.type != "pair":
        return frozenset()
    return frozenset({1}) if text(root.child_by_field_name("key")).strip("'\"") in _GRAPHQL_ROOTS else frozenset()


JAVASCRIPT = LanguageSpec(
    name="javascript",
    functions=frozenset(
        {
            "function_declaration",
            "function_expression",
            "arrow_function",
            "method_definition",
            "generator_function_declaration",
            "function",
        }
    ),
    bindings=(
        Binding("variable_declarator", "name", "value"),
        Binding("assignment_expression", "left", "right"),
        Binding("augmented_assignment_expression", "left", "right", augmented=True),
        Binding("public_field_definition", "name", "value"),
        Binding("field_definition", "property", "value"),
    ),
    calls={"call_expression": ("function", "arguments"), "new_expression": ("constructor", "arguments")},
    members={"member_expression": "object", "subscript_expression": "object"},
    strings=frozenset({"string", "regex"}),
    templates={"template_string": "template_substitution"},
    wrappers=frozenset(
        {
            "parenthesized_expression",
            "await_expression",
            "as_expression",
            "non_null_expression",
            "satisfies_expression",
            "type_assertion",
            "spread_element",
        }
    ),
    identifiers=frozenset({"identifier", "shorthand_property_identifier_pattern", "shorthand_property_identifier"}),
    parameters=frozenset({"formal_parameters"}),
    sources=_JS_SOURCES,
    sanitizers=_JS_SANITIZERS,
    # Next.js pages and route handlers receive the URL's values as props: ({ params, searchParams }); NestJS
    # binds request data to decorated parameters (a TypeScript type converts nothing) unless a Parse*Pipe does;
    # type-graphql's @Arg and NestJS GraphQL's @Args bind a resolver's arguments the same way.
    tainted_parameter=re.compile(
        r"^\{[^}]*\b(?:searchParams|params)\b[^}]*\}"
        r"|^@(?:Body|Query|Param|Headers|Cookies)\((?![^)]*Parse(?:Int|Float|Bool|UUID|Enum)Pipe)"
        r"|^@Args?\((?![\s\S]*(?:Parse(?:Int|Float|Bool|UUID|Enum)Pipe|=>\s*(?:Int|Float|Boolean)\b|"
        r":\s*(?:number|boolean)\s*$))"  # GraphQL itself converts Int, Float and Boolean arguments
    ),
    entry_parameters=_graphql_resolver_arguments,
    formatters=re.compile(r"(?:^|\.)(?:format|join|concat|replace|util\.format|sprintf)$"),
)

# Java: servlet and Spring request data. A source is a request getter at the head of a call chain
# (``request.getParameter("q").trim()``), not one buried in an argument (``Integer.parseInt(req.getParameter(..))``).
_JAVA_SOURCE_GETTERS = (
    r"getParameter|getParameterValues|getParameterMap|getParameterNames|getHeader|getHeaders|getHeaderNames|"
    r"getQueryString|getCookies|getRequestURI|getRequestURL|getPathInfo|getPart|getParts|getQueryParams|"
    r"getQueryParameters|getPathParameters|getFormParameters|getRequestBody|getInputStream|getReader"
)
# ... called on something that is a request (``request``, ``httpReq``, ``getRequest()``, ``uriInfo``): the same
# getters on HTTP clients, settings objects or process streams are not attacker input.
_JAVA_REQUEST = (
    r"(?:\w*(?i:req|upload|socket|exchange)\w*|getRequest\(\)|uriInfo|(?i:part|file|filePart|multipartFile))"
)
# Spring/JAX-RS binding annotations taint a parameter unless its type cannot carry text (numbers, UUIDs, dates).
_JAVA_NOT_TEXT = (
    r"(?:byte|short|int|long|float|double|boolean|char|Byte|Short|Integer|Long|Float|Double|Boolean|BigDecimal|"
    r"BigInteger|UUID|LocalDate|LocalDateTime|LocalTime|Instant|OffsetDateTime|ZonedDateTime|Date|Pageable|"
    r"Sort|Principal|Authentication|HttpServletRequest|HttpServletResponse|Model|BindingResult)\b"
)

JAVA = LanguageSpec(
    name="java",
    functions=frozenset({"method_declaration", "constructor_declaration", "lambda_expression"}),
    bindings=(
        Binding("variable_declarator", "name", "value"),
        Binding("assignment_expression", "left", "right", augmented=True),  # also ``sql += ...``
        Binding("enhanced_for_statement", "name", "value"),  # for (Cookie c : request.getCookies())
        Binding("resource", "name", "value"),  # try (InputStream in = part.getInputStream())
    ),
    calls={"method_invocation": ("name", "arguments"), "object_creation_expression": ("type", "arguments")},
    members={"field_access": "object", "array_access": "array"},
    strings=frozenset({"string_literal", "text_block", "character_literal"}),
    wrappers=frozenset({"parenthesized_expression", "cast_expression"}),
    parameters=frozenset({"formal_parameters"}),
    sources=re.compile(
        rf"^(?:[\w$]+(?:\([^()]*\))?\.)*{_JAVA_REQUEST}\.(?:{_JAVA_SOURCE_GETTERS})\s*\("
        r"|^(?:[\w$]+(?:\([^()]*\))?\.)*(?:getOriginalFilename|getSubmittedFileName)\s*\(|^System\.in\b"
        r"|^(?i:file|multipartFile|uploadedFile)\.getBytes\s*\("
    ),
    sanitizers=re.compile(
        r"(?:^|\.)(?:parseInt|parseLong|parseDouble|parseFloat|parseShort|parseBoolean|escapeHtml[34]?|escapeXml\d*|"
        r"escapeEcmaScript|escapeJava|escapeSql|encodeForHTML\w*|encodeForSQL|encodeForOS|encodeForJavaScript|"
        r"htmlEscape|forHtml\w*|forJavaScript\w*|forUriComponent|forJava|escape|quote|getFileName|"
        r"sanitize|clean|fromString)$"
        r"|(?:^|\.)(?:Integer|Long|Double|Float|Short|Byte|Boolean|UUID|LocalDate|Instant)\.valueOf$"
        r"|(?:^|\.)(?!String\.)[A-Z]\w*\.valueOf$|(?:^|\.)Enum\.valueOf$"  # Sort.valueOf(name): an enum constant
        r"|(?:^|\.)FilenameUtils\.getName$|^newFile\(.*\)\.getName$"
        r"|(?i:html|xss|escap|sanitiz|encoder\b)\w*\.\w+$"  # HTMLFilter.filter, XssUtils.clean, Encoder.encode
        # numbers and booleans computed from request data carry no text
        r"|\.(?:size|length|getLength|getSize|count|isEmpty|isBlank|hashCode|equals|equalsIgnoreCase|contains|"
        r"containsKey|startsWith|endsWith|matches|indexOf|lastIndexOf|compareTo|intValue|longValue)$"
    ),
    formatters=re.compile(
        r"(?:^|\.)(?:format|formatted|join|concat|append|insert|toString|replace|replaceAll|replaceFirst|valueOf|"
        r"trim|strip|toLowerCase|toUpperCase|substring|repeat|getBytes)$"
    ),
    tainted_parameter=re.compile(
        r"@(?:RequestParam|PathVariable|RequestBody|RequestHeader|CookieValue|ModelAttribute|RequestPart|MatrixVariable|"
        r"QueryParam|PathParam|FormParam|HeaderParam|CookieParam)\b(?:\s*\([^)]*\))?"
        rf"(?:\s+(?:final|@[\w.]+(?:\s*\([^)]*\))?))*\s+(?!{_JAVA_NOT_TEXT}|final\b)[\w.]"
        r"|\bString\s*\[\]\s*args\b|\bString\s*\.\.\.\s*args\b"
    ),
    # ``main(String[] args)``: the command line is the operator's input, not a remote attacker's.
    operator_sources=re.compile(OPERATOR_SOURCES.pattern + r"|^args$"),
)

# Go: net/http, gorilla/mux, chi, httprouter, gin, echo and fiber request data. Like Java, a source is a getter at
# the head of an expression (``r.FormValue("q")``), not one inside a sanitiser (``strconv.Atoi(r.FormValue(..))``).
_GO_REQUEST = r"(?:r|req|request|httpReq|(?:c|ctx)\.Request(?:\(\))?)"
_GO_SOURCES = re.compile(
    rf"^{_GO_REQUEST}\.(?:URL\.Query\(\)|URL\.(?:Path|RawQuery|RawPath|Fragment)\b|FormValue\(|PostFormValue\(|"
    r"Form\b|PostForm\b|MultipartForm\b|FormFile\(|MultipartReader\(|Header\b|Cookie\(|Cookies\(|Body\b|"
    r"PathValue\(|Referer\(|UserAgent\(|RequestURI\b|Host\b)"
    r"|^mux\.Vars\(|^chi\.URLParam(?:FromCtx)?\(|^(?:ps|params)\.ByName\("
    r"|^(?:c|ctx)\.(?:Query|DefaultQuery|GetQuery|QueryArray|GetQueryArray|QueryMap|Param|Params|PostForm|"
    r"DefaultPostForm|GetPostForm|PostFormArray|PostFormMap|GetHeader|GetRawData|FormValue|FormParams|FormFile|"
    r"MultipartForm|QueryParam|QueryParams|QueryString|Cookie|Cookies|Body|BodyParser)\("
    r"|^os\.Args\b|^bufio\.NewReader\(os\.Stdin\)|^\w+\.ReadString\("
    # Message-queue consumers: whoever can publish (another service, a portal, a partner) wrote the message.
    # kafka-go's ReadMessage/FetchMessage, NATS NextMsg, go-redis pub/sub, an AMQP channel's Consume, sarama claims.
    r"|^\w+\.(?:ReadMessage|FetchMessage|NextMsg|NextMsgWithContext|ReceiveMessage)\("
    r"|^\w*(?i:pubsub|sub)\w*\.Channel\(|^\w*(?i:ch|chan|channel)\.Consume(?:WithContext)?\(|^claim\.Messages\(\)"
)
# A parameter that is a queue message (``func(m *nats.Msg)``, ``d amqp.Delivery``, ``msg *sarama.ConsumerMessage``).
GO_QUEUE_MESSAGE = re.compile(
    r"\b(?:nats\.Msg|jetstream\.Msg|sarama\.ConsumerMessage|sarama\.ConsumerGroupClaim|kafka\.Message|"
    r"amqp(?:091)?\.Delivery|redis\.Message|pubsub\.Message)\b"
)

GO = LanguageSpec(
    name="go",
    functions=frozenset({"function_declaration", "method_declaration", "func_literal"}),
    bindings=(
        Binding("short_var_declaration", "left", "right"),
        Binding("var_spec", "name", "value"),
        Binding("const_spec", "name", "value"),
        Binding("assignment_statement", "left", "right", augmented=True),  # also ``q += ...``
        Binding("range_clause", "left", "right"),
    ),
    calls={"call_expression": ("function", "arguments")},
    members={"selector_expression": "operand", "index_expression": "operand", "slice_expression": "operand"},
    strings=frozenset({"interpreted_string_literal", "raw_string_literal", "rune_literal"}),
    wrappers=frozenset(  # ``const t = "users"`` binds an expression_list
        {
            "parenthesized_expression",
            "type_conversion_expression",
            "unary_expression",
            "type_assertion_expression",
            "expression_list",
            "literal_element",
        }
    ),
    parameters=frozenset({"parameter_list"}),
    sources=_GO_SOURCES,
    sanitizers=re.compile(
        r"(?:^|\.)(?:Atoi|ParseInt|ParseUint|ParseFloat|ParseBool|EscapeString|QueryEscape|PathEscape|"
        r"HTMLEscapeString|JSEscapeString|Base|Clean|Parse|Sanitize|SanitizeBytes|Quote|QuoteIdentifier|"
        r"QuoteLiteral|QuoteToASCII)$"
    ),
    formatters=re.compile(
        r"(?:^|\.)(?:Sprintf|Sprint|Sprintln|Join|Replace|ReplaceAll|Concat|String|TrimSpace|Trim|ToLower|ToUpper|"
        r"TrimPrefix|TrimSuffix|Title)$"
    ),
    tainted_parameter=GO_QUEUE_MESSAGE,
    fillers=re.compile(r"(?:^|\.)(?:Decode|Unmarshal|UnmarshalJSON|UnmarshalText|Sscan|Sscanf|Sscanln)$"),
    binders=re.compile(  # gin, echo and fiber fill a struct from the request body, query, URI or headers
        r"^\w+\.(?:ShouldBind\w*|MustBind\w*|BodyParser|QueryParser|ParamsParser|ReqHeaderParser)$"
        r"|^(?:c|ctx|context)\.Bind\w*$"
    ),
)

# Rust: axum/actix/Rocket extractors taint the parameter they bind unless the type cannot carry text.
_RUST_NOT_TEXT = r"(?:[iu](?:8|16|32|64|128|size)|f32|f64|bool|char|(?:uuid::)?Uuid)"
# ``use axum::extract::Path as UrlPath``: an extractor renamed to keep it apart from std::path::Path.
_RUST_EXTRACTOR = (
    r"(?:(?:(?:axum::)?(?:extract::)?|(?:actix_web::)?web::|rocket::(?:form::|serde::json::)?)"
    r"(?:Query|Path|Json|Form|LenientForm|TypedHeader|RawQuery|RawForm|Multipart|HeaderMap)\b"
    r"|(?:Url|Axum|Actix|Web|Http|Req|Request|Extract)(?:Path|Query|Json|Form)(?=\s*<))"
)

# Queues a worker takes its jobs from: whoever can enqueue (another service, a partner, a tenant) wrote the job.
# Redis lists, streams and pub/sub messages, Kafka (rdkafka) and AMQP (lapin) deliveries, NATS/SQS messages.
_RUST_QUEUE = (
    r"|\.(?:brpop|blpop|rpop|lpop|brpoplpush|rpoplpush|blmove|lmove|xread|xread_options|xreadgroup)\("
    r"|\.get_payload(?:_bytes)?\(|\.payload(?:_view)?(?:::<[^>]*>)?\(\)"
    r"|^(?:delivery|msg|message|publish|packet|pkt|frame|p)\.(?:data|payload)\b"  # rumqttc's Publish too
)
# Peers on a socket: lines and frames read from a TCP connection (``BufReader::new(stream).lines()`` and tokio's
# ``lines.next_line()``) are whatever the device or client on the other end sent.
_RUST_SOCKET = (
    r"|\.next_line\(|^(?:tokio::io::|std::io::)?BufReader::new\(\s*&?(?:mut\s+)?(?:sock|socket|stream|conn|connection"
    r"|tcp|peer|client)\w*\s*\)"
)
# A job, task or event struct the file deserialises (``fn import_feed(job: &ImportJob)``): a unit of work someone
# else sent. The program's own settings (``AppConfig``, ``State``) are not.
_RUST_MESSAGE_WORDS = frozenset(
    {"job", "task", "message", "msg", "event", "payload", "command", "envelope", "delivery", "notification",
     "webhook", "hook", "submission", "import", "request"}
)  # fmt: skip
_RUST_OWN_WORDS = frozenset({"config", "cfg", "settings", "setting", "options", "state", "env", "args", "manifest"})
_RUST_PARAM_TYPE = re.compile(r":\s*&?\s*(?:mut\s+)?(?:(?:Arc|Box|Rc|Vec|Option)\s*<\s*)?([A-Z]\w*)\s*>?\s*$")


# A message callback (``fn on_announce(payload: &[u8])``, ``handle_frame(frame: Bytes)``) gets the raw bytes or
# text a broker, socket or device delivered.
_RUST_CALLBACK = re.compile(r"^(?:on|handle|process|consume|dispatch)_\w+$|^\w+_(?:handler|callback)$")
_RUST_RAW_MESSAGE = re.compile(
    r"^(?:payload|frame|packet|datagram|message|msg|raw_message|raw_frame)\s*:\s*(?:&\s*)?"
    r"(?:\[u8\]|str|String|Bytes|(?:bytes::)?Bytes|Vec\s*<\s*u8\s*>)\s*$"
)
# ``#[no_mangle] pub extern "C" fn f(name: *const c_char)``: a string the foreign caller passes on.
_RUST_C_STRING = re.compile(r":\s*\*\s*const\s+(?:std::ffi::|libc::|core::ffi::)?c_char\s*$")


def _rust_raw_parameters(fn: Node, params: Node, text: Callable[[Node | None], str]) -> set[int]:
    """Raw message bytes handed to a callback, and C strings handed to an exported ``extern "C"`` function."""
    name = text(fn.child_by_field_name("name"))
    exported = fn.type == "function_item" and any(
        c.type == "function_modifiers" and "extern" in text(c) for c in fn.children
    )
    found: set[int] = set()
    for index, param in enumerate(params.named_children):
        spelled = text(param)
        if param.type == "parameter" and (
            (_RUST_CALLBACK.match(name) and _RUST_RAW_MESSAGE.match(spelled))
            or (exported and _RUST_C_STRING.search(spelled))
        ):
            found.add(index)
    return found


def _rust_message_parameters(fn: Node, text: Callable[[Node | None], str]) -> frozenset[int]:
    """The positions of parameters holding a deserialised job, task or event (a ``#[derive(Deserialize)]`` struct
    of this file, or one the file decodes with ``from_str::<T>``) whose type name says it is a message, and those
    :func:`_rust_raw_parameters` finds."""
    params = fn.child_by_field_name("parameters")
    if params is None or params.type != "parameters":
        return frozenset()
    raw = _rust_raw_parameters(fn, params, text)
    wanted: dict[int, str] = {}
    for index, param in enumerate(params.named_children):
        found = _RUST_PARAM_TYPE.search(text(param)) if param.type == "parameter" else None
        words = {w.lower() for w in re.findall(r"[A-Z][a-z0-9]*", found.group(1))} if found else set()
        if words & _RUST_MESSAGE_WORDS and not words & _RUST_OWN_WORDS and found is not None:
            wanted[index] = found.group(1)
    if not wanted:
        return frozenset(raw)
    root = fn
    while root.parent is not None:
        root = root.parent
    source = text(root)
    return frozenset(raw) | frozenset(
        index
        for index, name in wanted.items()
        if re.search(rf"#\[derive\([^)]*\bDeserialize\b[^)]*\)\]\s*(?:#\[[^\]]*\]\s*)*(?:pub(?:\([^)]*\))?\s+)?"
                     rf"(?:struct|enum)\s+{name}\b|\bfrom_\w+::<\s*{name}\s*>", source)
    )  # fmt: skip


RUST = LanguageSpec(
    name="rust",
    functions=frozenset({"function_item", "closure_expression"}),
    bindings=(
        Binding("let_declaration", "pattern", "value"),
        Binding("let_condition", "pattern", "value"),  # if let Some(q) = params.get("q")
        Binding("match_pattern", "", "value", scrutinee="match_expression"),  # match q.next { Some(n) => .. }
        Binding("for_expression", "pattern", "value"),
        Binding("const_item", "name", "value"),
        Binding("static_item", "name", "value"),
        Binding("assignment_expression", "left", "right"),
        Binding("compound_assignment_expr", "left", "right", augmented=True),
    ),
    calls={"call_expression": ("function", "arguments"), "macro_invocation": ("macro", "")},
    members={"field_expression": "value", "index_expression": "0"},
    strings=frozenset({"string_literal", "raw_string_literal", "char_literal"}),
    wrappers=frozenset(
        {
            "parenthesized_expression",
            "reference_expression",
            "try_expression",
            "await_expression",
            "type_cast_expression",
            "unary_expression",
            "unsafe_block",  # ``unsafe { CStr::from_ptr(p) }`` and ``{ ..; value }``: the block's tail value
            "block",
        }
    ),
    parameters=frozenset({"parameters"}),
    sources=re.compile(
        r"^(?:std::)?env::args|^(?:std::)?io::stdin\(\)|^stdin\(\)|\.read_line\("
        r"|^(?:req|request|http_req)\.(?:match_info|query_string|headers|uri|path|cookie|cookies|body|into_body)\("
        + _RUST_QUEUE
        + _RUST_SOCKET
    ),
    sanitizers=re.compile(
        r"(?:^|::|\.)(?:parse|escape|encode|encode_text|encode_safe|encode_double_quoted_attribute|quote|try_quote|"
        r"clean|sanitize|parse_str|file_name|file_stem)(?:::)?$"
        # numbers and booleans computed from request data carry no text
        r"|\.(?:len|is_empty|count|is_some|is_none|is_ok|is_err|starts_with|ends_with|contains)$"
    ),
    formatters=re.compile(
        r"^(?:format|format_args|concat|write|writeln)$|^(?:std::string::)?String::from$"
        r"|(?:^|\.)(?:join|concat|replace|to_string|to_owned|push_str|as_str|trim|trim_start|trim_end|to_lowercase|"
        r"to_uppercase|repeat)$"
    ),
    # a parameter's own colon, not the path separator of ``dir: &std::path::Path``
    tainted_parameter=re.compile(rf"(?<!:):\s*(?:mut\s+)?{_RUST_EXTRACTOR}(?!\s*<\s*{_RUST_NOT_TEXT}\s*>)"),
    requests=re.compile(r"(?i)(?:client|http|agent|reqwest|ureq|surf|isahc)\w*\.(?:get|post|put|patch|delete|head)$"),
    entry_parameters=_rust_message_parameters,
)

# C/C++ web code. CGI hands the request over in the environment; servers hand it over through their APIs:
# libmicrohttpd, mongoose (``hm->query``), CivetWeb (``mg_get_request_info(conn)->query_string``), cpp-httplib,
# Crow, Boost.Beast and Pistache (``req.get_param_value("q")``, ``req.body``, ``request.query().get("q")``) and
# Drogon (``req->getParameter("q")``). mongoose's mg_http_get_var fills a buffer: rules/c/dataflow.py has it.
_CGI_REQUEST = r"(?:QUERY_STRING|HTTP_\w+|REQUEST_URI|REQUEST_METHOD|PATH_INFO|PATH_TRANSLATED|CONTENT_\w+)"
# Variable names that hold a web framework's request object; rules/c/requests.py decides whether a file is web code.
C_REQUEST_NAMES = ("req", "request", "req_", "request_", "http_req", "httpReq")
_C_REQUEST = rf"(?:{'|'.join(C_REQUEST_NAMES)})"
_C_SOURCES = re.compile(
    r"^argv\b|\b(?:secure_)?getenv\s*\(|\bfgets\s*\(|\bgets\s*\(|\brecv(?:from|msg)?\s*\(|\bread\s*\("
    r"|\bscanf\s*\(|\bgetline\s*\(|\bgetpass\s*\("
    r"|\bMHD_lookup_connection_value(?:_n)?\s*\(|^mg_(?:http_get_header|http_var|get_header|get_request_info)\s*\("
    r"|^hm->(?:query|body|uri|head|message|query_string)\b|^\w+->(?:query_string|local_uri|request_uri)\b"
    rf"|^{_C_REQUEST}\.(?:get_param_values?|get_header_value|get_file_values?|body|matches|path_params|params|"
    r"url_params|target|query|param|resource|headers|cookies|raw_url|url|path)\b"
    rf"|^{_C_REQUEST}->(?:get(?:Optional)?Parameters?|getBody|body|getJsonObject|getPath|getQuery|query|"
    r"getHeaders?|getCookies?|getMatchedPathParams|path)\b"
)


def _c_handler_arguments(fn: Node, text: Callable[[Node | None], str]) -> frozenset[int]:
    """Parameters that hold request data by the handler they sit in: libmicrohttpd's access handler (url,
    upload_data) and its key/value and POST iterators (key, value, data), Drogon's path parameters (after the
    request and the callback) and the arguments of a Crow route's handler (``CROW_ROUTE(app, "/u/<string>")``)."""
    declarator = fn.child_by_field_name("declarator")
    while declarator is not None and declarator.child_by_field_name("parameters") is None:
        declarator = declarator.child_by_field_name("declarator")
    params = declarator.child_by_field_name("parameters") if declarator is not None else None
    types = [text(p) for p in params.named_children] if params is not None else []
    if len(types) == 8 and "MHD_Connection" in types[1]:
        return frozenset({2, 5})
    if len(types) >= 4 and "MHD_ValueKind" in types[1]:
        return frozenset(i for i in range(2, len(types)) if "char" in types[i])
    if len(types) > 2 and "HttpRequestPtr" in types[0]:
        return frozenset(range(2, len(types)))
    route = fn.parent.parent if fn.type == "lambda_expression" and fn.parent is not None else None
    called = route.child_by_field_name("function") if route is not None and route.type == "call_expression" else None
    if called is not None and re.match(r"CROW_(?:BP_)?ROUTE\s*\(", text(called)):
        return frozenset(i for i, t in enumerate(types) if not re.search(r"(?i)response|request", t))
    return frozenset()


C = LanguageSpec(
    name="c",
    functions=frozenset({"function_definition", "lambda_expression"}),
    bindings=(
        Binding("init_declarator", "declarator", "value"),
        Binding("assignment_expression", "left", "right"),
    ),
    calls={"call_expression": ("function", "arguments")},
    members={"field_expression": "argument", "subscript_expression": "argument", "pointer_expression": "argument"},
    strings=frozenset({"string_literal", "concatenated_string", "char_literal", "raw_string_literal"}),
    wrappers=frozenset({"parenthesized_expression", "cast_expression", "argument_list"}),  # C++: string s("x")
    parameters=frozenset({"parameter_list"}),
    sources=_C_SOURCES,
    sanitizers=re.compile(
        r"^(?:std::)?(?:atoi|atol|atoll|atof|strtol|strtoul|strtod|strtoll|strtoull|strtoimax|strtoumax|stoi|stol|"
        r"stoll|stoul|stoull|stof|stod)$|^(?:g_shell_quote|shell_quote|shell_escape)$"
    ),
    formatters=re.compile(
        r"^(?:std::|fmt::)?(?:sprintf|snprintf|strcat|strncat|strcpy|strncpy|stpcpy|memcpy|vsprintf|vsnprintf|"
        r"strdup|strndup|format|string|to_string)$|(?:\.|->)(?:c_str|data|str|append|substr)$"
    ),
    tainted_parameter=re.compile(r"\bchar\s*\*\*?\s*argv\b|\bargv\s*\[\]"),
    operator_sources=re.compile(rf"^argv\b|^(?:std::)?(?:secure_)?getenv\s*\((?!\s*\"{_CGI_REQUEST}\")"),
    entry_parameters=_c_handler_arguments,
)
