"""Web tools: HTTP requests, GraphQL, API tests, webhooks, scraping, crawling and monitoring."""
