"""Ways to show a report: terminal (rich), HTML read-safely page, EPUB metadata."""
