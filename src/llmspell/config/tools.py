"""`[tools]`: limits and allow-lists the built-in tools apply."""

from __future__ import annotations

from typing import Literal

from llmspell.config.normalisers import byte_size, comma_list, dimensions, port
from llmspell.config.section import ConfigProblem, Field, Section

DEFAULT_ALLOWED_COMMANDS = [
    "echo",
    "ls",
    "cat",
    "date",
    "wc",
    "grep",
    "head",
    "tail",
    "sort",
    "pwd",
    "whoami",
    "uname",
]
ToolSecurityLevel = Literal["safe", "restricted", "privileged"]

DEFAULT_ALLOWED_ENV_VARS = ["PATH", "HOME", "USER", "SHELL", "TERM", "LANG", "LC_ALL", "TZ"]


class FileOperationsConfig(Section):
    """`[tools.file_operations]`: the sandbox every file tool works in."""

    enabled: bool = Field(
        default=True,
        description="false removes the file tools (file_operations, file_search, "
        "file_converter, file_watcher, archive_handler).",
    )
    allowed_paths: list[str] = Field(
        default=["/tmp"],
        min_items=1,
        before=comma_list,
        description=(
            "Directories file tools may touch (resolved, symlinks followed); `*` allows any path."
        ),
    )
    max_file_size: int = Field(
        default=50_000_000,
        gt=0,
        before=byte_size,
        description="Largest file read or written, in bytes.",
    )
    atomic_writes: bool = Field(default=True, description="Write to a temporary file, then rename.")
    max_depth: int | None = Field(default=10, ge=0, description="Deepest directory recursion.")
    allowed_extensions: list[str] = Field(
        default=[], before=comma_list, description="Only these extensions are allowed; empty: any."
    )
    blocked_extensions: list[str] = Field(
        default=["exe", "dll", "so", "dylib"],
        before=comma_list,
        description="Extensions always refused.",
    )
    validate_file_types: bool = Field(
        default=True, description="Check that a file's content matches its extension."
    )


class WebSearchConfig(Section):
    """`[tools.web_search]`: the `web_search` tool."""

    enabled: bool = Field(default=True, description="false removes the web_search tool.")
    rate_limit_per_minute: int = Field(
        default=30, ge=0, description="Searches per minute; 0: no limit."
    )
    allowed_domains: list[str] = Field(
        default=["*"], before=comma_list, description="Result domains kept; `*`: any."
    )
    blocked_domains: list[str] = Field(
        default=[], before=comma_list, description="Result domains dropped."
    )
    max_results: int = Field(default=10, gt=0, description="Default number of results.")
    timeout_seconds: int = Field(default=30, gt=0, description="Per-search timeout.")
    user_agent: str = Field(
        default="llmspell-web-search/1.0", description="User-Agent header sent."
    )


class HttpRequestConfig(Section):
    """`[tools.http_request]`: the `http_request` tool."""

    enabled: bool = Field(default=True, description="false removes the http_request tool.")
    allowed_hosts: list[str] = Field(
        default=["*"],
        before=comma_list,
        description=(
            "Hosts requests may go to; `*`: any public host. Listing a private or loopback "
            "host here allows it."
        ),
    )
    blocked_hosts: list[str] = Field(
        default=[],
        before=comma_list,
        description=(
            "Hosts always refused, even with `[tools.network] allow_private = true` (private "
            "and loopback addresses are refused anyway unless that is set)."
        ),
    )
    max_request_size: int = Field(
        default=10_000_000, gt=0, before=byte_size, description="Largest request body, in bytes."
    )
    max_response_size: int = Field(
        default=10_000_000,
        gt=0,
        before=byte_size,
        description="Largest response body read, in bytes; a larger one is an error.",
    )
    timeout_seconds: int = Field(default=30, gt=0, description="Per-request timeout.")
    max_redirects: int = Field(default=5, ge=0, description="Redirects followed.")
    default_headers: dict[str, str] = Field(
        default={"User-Agent": "llmspell-http/1.0"}, description="Headers added to every request."
    )


class NetworkConfig(Section):
    """`[tools.network]`: rules shared by every tool that makes outbound requests."""

    timeout_seconds: int = Field(default=30, gt=0, description="Default timeout for network tools.")
    max_retries: int = Field(default=3, ge=0, description="Retries for failed network calls.")
    verify_ssl: bool = Field(default=True, description="Verify TLS certificates.")
    allow_private: bool = Field(
        default=False,
        description=(
            "Allow requests to loopback, private and link-local addresses from every tool."
        ),
    )


class WebToolsConfig(Section):
    """`[tools.web_tools]`: scraper, URL analyzer, webhook caller, sitemap crawler and friends."""

    user_agent: str = Field(default="llmspell-web/1.0", description="User-Agent header sent.")
    allowed_hosts: list[str] = Field(
        default=[],
        before=comma_list,
        description="Private or loopback hosts the web tools may fetch (others are refused "
        "unless `[tools.network] allow_private = true`).",
    )
    allowed_domains: list[str] = Field(
        default=["*"], before=comma_list, description="Domains the web tools may fetch; `*`: any."
    )
    blocked_domains: list[str] = Field(
        default=[], before=comma_list, description="Domains refused."
    )
    max_redirects: int = Field(default=5, ge=0, description="Redirects followed.")
    max_response_size: int = Field(
        default=10_000_000,
        gt=0,
        before=byte_size,
        description="Largest page read, in bytes; a larger one is an error.",
    )
    respect_robots_txt: bool = Field(
        default=False, description="The scraper and crawler skip pages robots.txt disallows."
    )
    scraping_delay_ms: int = Field(
        default=0, ge=0, description="Pause between requests to one site."
    )


class MediaConfig(Section):
    """`[tools.media]`: image, audio and video processors."""

    max_file_size: int = Field(
        default=100_000_000, gt=0, before=byte_size, description="Largest media file, in bytes."
    )
    processing_timeout_seconds: int = Field(default=30, gt=0, description="Per-operation timeout.")
    image_max_dimensions: str | None = Field(
        default=None,
        check=dimensions,
        description="Largest image accepted, as `WIDTHxHEIGHT`; unset: no limit.",
        example='"4096x4096"',
    )
    video_quality: int | None = Field(
        default=None, ge=1, le=100, description="Output quality 1-100; unset: the codec default."
    )
    audio_sample_rate: int | None = Field(
        default=None, gt=0, description="Output sample rate in Hz; unset: keep the input's."
    )


class DatabaseEntryConfig(Section):
    """`[tools.database.databases.<name>]`: one database the `database-connector` may use."""

    url: str = Field(
        default="",
        description="postgresql://…, mysql:// or mariadb://…, sqlite:///relative.db or "
        "sqlite:////absolute.db (no password here: use `password_env`).",
    )
    password: str | None = Field(default=None, description="Password; redacted in dumps.")
    password_env: str | None = Field(
        default=None, description="Environment variable holding the password."
    )
    read_only: bool = Field(
        default=True, description="false lets `execute` run INSERT, UPDATE, DELETE and MERGE."
    )
    allow_ddl: bool = Field(
        default=False,
        description="With `read_only = false`, also CREATE, ALTER, DROP and TRUNCATE.",
    )


class DatabaseConfig(Section):
    """`[tools.database]`: the `database-connector` tool."""

    databases: dict[str, DatabaseEntryConfig] = Field(
        default_factory=dict,
        description="Databases the `database-connector` tool may use, by name.",
    )
    connection_timeout_seconds: int = Field(default=10, gt=0, description="Connect timeout.")
    allowed_hosts: list[str] = Field(
        default=[],
        before=comma_list,
        description="Private or loopback database hosts allowed (e.g. `127.0.0.1`).",
    )
    query_timeout_seconds: int = Field(default=30, gt=0, description="Per-query timeout.")
    enable_query_logging: bool = Field(
        default=False, description="Log each query's SQL (never the values)."
    )


class EmailConfig(Section):
    """`[tools.email]`: the `email-sender` tool (SMTP, SendGrid or Amazon SES)."""

    provider: Literal["smtp", "sendgrid", "ses"] = Field(
        default="smtp", description="Backend used when a call names none."
    )

    smtp_host: str | None = Field(
        default=None, description="SMTP server.", example='"smtp.example.com"'
    )
    smtp_port: int = Field(default=587, check=port, description="SMTP port.")
    smtp_username: str | None = Field(default=None, description="SMTP login.")
    smtp_password: str | None = Field(default=None, description="SMTP password; redacted in dumps.")
    from_address: str | None = Field(
        default=None, description="Default sender.", example='"bot@example.com"'
    )
    rate_limit_per_minute: int | None = Field(
        default=None, gt=0, description="Emails per minute; unset: no limit."
    )
    enable_tls: bool = Field(default=True, description="Use STARTTLS.")
    tls: Literal["starttls", "implicit", "none"] | None = Field(
        default=None,
        description="SMTP TLS mode; unset: implicit on port 465, else STARTTLS when "
        "`enable_tls`, else none.",
    )
    timeout_seconds: int | None = Field(
        default=None, gt=0, description="Connect/response timeout; unset: `tools.network`'s."
    )
    allowed_hosts: list[str] = Field(
        default=[],
        before=comma_list,
        description="Private or loopback SMTP/API hosts allowed (besides "
        "`tools.http_request.allowed_hosts`).",
    )
    max_message_size: int = Field(
        default=25_000_000, gt=0, before=byte_size, description="Largest message as sent."
    )
    max_recipients: int = Field(
        default=50, gt=0, description="Most unique to + cc + bcc addresses per message."
    )
    sendgrid_api_key: str | None = Field(
        default=None,
        description="SendGrid key; else `LLMSPELL_SENDGRID_API_KEY` or `SENDGRID_API_KEY`.",
    )
    sendgrid_base_url: str | None = Field(
        default=None, description="SendGrid API address; unset: `https://api.sendgrid.com`."
    )
    ses_region: str | None = Field(
        default=None, description="Amazon SES region; else `AWS_REGION`/`AWS_DEFAULT_REGION`."
    )
    ses_access_key_id: str | None = Field(
        default=None, description="AWS access key id; else `AWS_ACCESS_KEY_ID`."
    )
    ses_secret_access_key: str | None = Field(
        default=None, description="AWS secret key; else `AWS_SECRET_ACCESS_KEY`."
    )
    ses_endpoint: str | None = Field(
        default=None,
        description="SES API address; unset: `https://email.<region>.amazonaws.com`.",
    )


class SystemConfig(Section):
    """`[tools.system]`: process execution and environment access."""

    allow_process_execution: bool = Field(
        default=True, description="false refuses every command of `process_executor`."
    )
    allowed_commands: list[str] = Field(
        default=DEFAULT_ALLOWED_COMMANDS,
        before=comma_list,
        description="Executables `process_executor` may run (by name).",
    )
    max_output_size: int = Field(
        default=1_048_576,
        gt=0,
        before=byte_size,
        description="Output captured per stream, in bytes.",
    )
    command_timeout_seconds: int = Field(default=30, gt=0, description="Per-command timeout.")
    allowed_env_vars: list[str] = Field(
        default=DEFAULT_ALLOWED_ENV_VARS,
        before=comma_list,
        description="Environment variables passed to commands and readable by tools.",
    )


class DataConfig(Section):
    """`[tools.data]`: the CSV and JSON tools."""

    max_csv_size: int = Field(
        default=10_000_000, gt=0, before=byte_size, description="Largest CSV input, in bytes."
    )
    max_json_depth: int = Field(default=100, gt=0, description="Deepest JSON nesting accepted.")
    processing_timeout_seconds: int = Field(default=30, gt=0, description="Per-operation timeout.")


class AcademicConfig(Section):
    """`[tools.academic]`: the citation formatter."""

    max_references: int = Field(default=100, gt=0, description="Largest bibliography processed.")
    default_citation_style: str = Field(default="apa", description="Style used when none is given.")


class DocumentConfig(Section):
    """`[tools.document]`: the PDF processor."""

    max_pdf_size: int = Field(
        default=50_000_000, gt=0, before=byte_size, description="Largest PDF, in bytes."
    )
    extract_images: bool = Field(default=False, description="Extract embedded images.")
    max_pages: int | None = Field(default=None, gt=0, description="Pages read; unset: all.")
    extract_metadata: bool = Field(default=True, description="Return document metadata.")


class SearchProviderConfig(Section):
    """`[tools.search.providers.<name>]`: one search engine's key and address."""

    enabled: bool = Field(default=True, description="false skips this engine.")
    api_key: str | None = Field(default=None, description="The engine's key.")
    api_key_env: str | None = Field(
        default=None, description="Environment variable holding the key."
    )
    base_url: str | None = Field(default=None, description="The engine's API address.")
    engine_id: str | None = Field(
        default=None, description="Google Custom Search engine id (`cx`)."
    )


class SearchConfig(Section):
    """`[tools.search]`: search engines behind `web_search`."""

    default_engine: str = Field(
        default="duckduckgo",
        description="Engine used first: duckduckgo, brave, google, serpapi, serper (or "
        "serperdev), tavily, or `auto` (the first with a key, duckduckgo last).",
    )
    providers: dict[str, SearchProviderConfig] = Field(
        default_factory=dict,
        description="Per engine: `api_key`, `api_key_env`, `base_url`, `engine_id`, `enabled`.",
    )
    allowed_hosts: list[str] = Field(
        default=[],
        before=comma_list,
        description="Private or loopback hosts the engines' base URLs may use.",
    )

    def check(self) -> None:
        if not self.providers:
            return
        from llmspell.tools.web.search.providers import ENGINES, canonical

        for name in self.providers:
            if canonical(name) is None:
                raise ConfigProblem(
                    f"providers.{name}",
                    f"unknown search engine {name!r}; known: {', '.join(ENGINES)}",
                )

    api_key: str | None = Field(
        default=None, description="Key for engines that need one; redacted in dumps."
    )
    safe_search: bool = Field(default=True, description="Ask engines to filter adult content.")


class ToolsConfig(Section):
    """`[tools]`: every built-in tool's limits."""

    enabled: bool = Field(default=True, description="false removes every tool from `Tool.list()`.")
    rate_limit_per_minute: int | None = Field(
        default=None, gt=0, description="Tool calls per minute across all tools; unset: no limit."
    )
    max_security_level: ToolSecurityLevel = Field(
        default="privileged",
        description=(
            "Highest tool security level allowed: safe, restricted or privileged; tools above it "
            "are refused."
        ),
    )
    timeout_seconds: int = Field(
        default=60, gt=0, description="Default time limit of one tool call's blocking work."
    )
    file_operations: FileOperationsConfig = Field(
        default_factory=FileOperationsConfig, description="File tools."
    )
    web_search: WebSearchConfig = Field(default_factory=WebSearchConfig, description="Search.")
    http_request: HttpRequestConfig = Field(
        default_factory=HttpRequestConfig, description="HTTP requests."
    )
    network: NetworkConfig = Field(default_factory=NetworkConfig, description="Network rules.")
    web_tools: WebToolsConfig = Field(default_factory=WebToolsConfig, description="Web tools.")
    media: MediaConfig = Field(default_factory=MediaConfig, description="Media tools.")
    database: DatabaseConfig = Field(default_factory=DatabaseConfig, description="Databases.")
    email: EmailConfig = Field(default_factory=EmailConfig, description="Email.")
    system: SystemConfig = Field(default_factory=SystemConfig, description="System tools.")
    data: DataConfig = Field(default_factory=DataConfig, description="Data tools.")
    academic: AcademicConfig = Field(default_factory=AcademicConfig, description="Citations.")
    document: DocumentConfig = Field(default_factory=DocumentConfig, description="Documents.")
    search: SearchConfig = Field(default_factory=SearchConfig, description="Search engines.")
