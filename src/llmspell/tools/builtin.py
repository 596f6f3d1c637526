"""Built-in tools by registered name (SPEC §1.4: names from reference/components.md).

Each entry is imported only when the tool is first used; `-` and `_` are folded at lookup.
"""

from __future__ import annotations

BUILTIN_TOOLS: dict[str, str] = {
    # utility
    "base64_encoder": "llmspell.tools.utility.base64_encoder:Base64Encoder",
    "calculator": "llmspell.tools.utility.calculator:Calculator",
    "date_time_handler": "llmspell.tools.utility.date_time_handler:DateTimeHandler",
    "hash_calculator": "llmspell.tools.utility.hash_calculator:HashCalculator",
    "text_manipulator": "llmspell.tools.utility.text_manipulator:TextManipulator",
    "uuid_generator": "llmspell.tools.utility.uuid_generator:UuidGenerator",
    "citation-formatter": "llmspell.tools.utility.citation_formatter:CitationFormatter",
    # data
    "csv_analyzer": "llmspell.tools.data.csv_analyzer:CsvAnalyzer",
    "json_processor": "llmspell.tools.data.json_processor:JsonProcessor",
    "data_validation": "llmspell.tools.data.data_validation:DataValidation",
    "template_engine": "llmspell.tools.data.template_engine:TemplateEngine",
    "diff_calculator": "llmspell.tools.data.diff_calculator:DiffCalculator",
    "graph-builder": "llmspell.tools.data.graph_builder:GraphBuilder",
    "database-connector": "llmspell.tools.data.database_connector:DatabaseConnector",
    # filesystem
    "file_operations": "llmspell.tools.fs.file_operations:FileOperations",
    "file_search": "llmspell.tools.fs.file_search:FileSearch",
    "file_converter": "llmspell.tools.fs.file_converter:FileConverter",
    "file_watcher": "llmspell.tools.fs.file_watcher:FileWatcher",
    "archive_handler": "llmspell.tools.fs.archive_handler:ArchiveHandler",
    # system
    "environment_reader": "llmspell.tools.system.environment_reader:EnvironmentReader",
    "process_executor": "llmspell.tools.system.process_executor:ProcessExecutor",
    "system_monitor": "llmspell.tools.system.system_monitor:SystemMonitor",
    "service_checker": "llmspell.tools.system.service_checker:ServiceChecker",
    # media and documents
    "image_processor": "llmspell.tools.media.image_processor:ImageProcessor",
    "audio_processor": "llmspell.tools.media.audio_processor:AudioProcessor",
    "video_processor": "llmspell.tools.media.video_processor:VideoProcessor",
    "pdf-processor": "llmspell.tools.document.pdf_processor:PdfProcessor",
    # api and web
    "http_request": "llmspell.tools.web.http_request:HttpRequest",
    "graphql_query": "llmspell.tools.web.graphql_query:GraphqlQuery",
    "api-tester": "llmspell.tools.web.api_tester:ApiTester",
    "webhook-caller": "llmspell.tools.web.webhook_caller:WebhookCaller",
    "web-scraper": "llmspell.tools.web.web_scraper:WebScraper",
    "url-analyzer": "llmspell.tools.web.url_analyzer:UrlAnalyzer",
    "sitemap-crawler": "llmspell.tools.web.sitemap_crawler:SitemapCrawler",
    "webpage-monitor": "llmspell.tools.web.webpage_monitor:WebpageMonitor",
    "web_search": "llmspell.tools.web.search.tool:WebSearch",
    "email-sender": "llmspell.tools.comms.email_sender:EmailSender",
}
