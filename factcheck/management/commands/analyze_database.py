from django.core.management.base import BaseCommand
from django.db import connection


class Command(BaseCommand):
    # SQLite keeps no statistics until ANALYZE runs, and without them takes any
    # indexed equality for a rare value: at 100,000 claims the speakers' sitemap
    # read every public claim once for each speaker (measured: 466 s, 0.5 ms
    # once analysed). PostgreSQL's autovacuum keeps its own; ANALYZE adds to it.
    help = (
        "Refresh the statistics by which the database chooses its indexes (ANALYZE). "
        "Run once a day (deploy/factcheck-reminders.service runs it first)."
    )

    def handle(self, *args, **options):
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        if options["verbosity"]:
            self.stdout.write(self.style.SUCCESS(f"Analysed the {connection.vendor} database."))
