"""The speaker's stated certainty of a prediction, a prediction-only field.

On SQLite, Django adds a NOT NULL column and changes a check constraint by
rebuilding the table, which drops the triggers that keep the search index of
0005 in step: they are created again here, and the index rebuilt.
"""

import importlib

from django.db import migrations, models

search = importlib.import_module("factcheck.migrations.0005_claim_search")
TRIGGERS = [s for s in search.SQLITE_FORWARD if s.startswith("CREATE TRIGGER")]
REBUILD = "INSERT INTO factcheck_claim_search(factcheck_claim_search) VALUES ('rebuild')"


def restore_search_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for trigger in TRIGGERS:
        name = trigger.split()[2]
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
        schema_editor.execute(trigger)
    schema_editor.execute(REBUILD)


CERTAINTY = models.CharField(
    blank=True,
    choices=[
        ("will", "will (certain)"),
        ("expects", "expects (confident)"),
        ("likely", "likely (probable)"),
        ("may", "may (possible)"),
        ("might", "might (possible)"),
        ("could", "could (possible)"),
    ],
    help_text="For a prediction: how sure the speaker said they were, in their own word.",
    max_length=20,
    verbose_name="stated certainty",
)


class Migration(migrations.Migration):
    dependencies = [("factcheck", "0008_unclaimed_sentences")]

    operations = [
        migrations.RemoveConstraint(
            model_name="claim",
            name="claim_prediction_fields_only_on_predictions",
        ),
        migrations.AddField(model_name="claim", name="certainty", field=CERTAINTY),
        migrations.AddField(model_name="historicalclaim", name="certainty", field=CERTAINTY),
        migrations.AddConstraint(
            model_name="claim",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("kind", "prediction"),
                    models.Q(
                        ("certainty", ""),
                        ("condition", ""),
                        ("resolution_criteria", ""),
                        ("resolve_by__isnull", True),
                    ),
                    _connector="OR",
                ),
                name="claim_prediction_fields_only_on_predictions",
            ),
        ),
        migrations.AddConstraint(
            model_name="claim",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("certainty__in", ["", "will", "expects", "likely", "may", "might", "could"])
                ),
                name="claim_certainty_is_known",
            ),
        ),
        migrations.RunPython(restore_search_triggers, migrations.RunPython.noop),
    ]
