"""The Temporal UI's codec server: decrypts history payloads for an authenticated, audited person."""
