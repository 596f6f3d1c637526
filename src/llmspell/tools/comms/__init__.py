"""Communication tools: `email-sender` (SMTP, SendGrid, Amazon SES)."""
