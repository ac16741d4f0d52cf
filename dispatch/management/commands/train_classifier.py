"""Train a classifier version and promote it only if it beats the active one on held-out data.

Why it exists: the worker's classifier learns the city's own history — the categories and units
dispatchers confirmed, and the returns they approved. Celery beat retrains weekly from the
database when enough new labels exist (dispatch.tasks.retrain_classifier); this command is for
the first training, for importing a labelled file (``--csv``, columns id,title,body,label), and
for operators who want to see the figures before anything changes (``--dry-run``).
"""

from django.core.management.base import BaseCommand, CommandError

from dispatch.learning import (
    TrainingResult,
    classifier_train,
    examples_from_csv,
    examples_from_database,
)
from dispatch.models import ClassifierSource
from hotline.lib.errors import DomainError


class Command(BaseCommand):
    help = "训练分类模型并按留出集评估决定是否启用 (train a classifier version; promote if better)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--csv", metavar="FILE", help="train from a CSV file (id,title,body,label)"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="train and evaluate, store and change nothing"
        )
        parser.add_argument("--seed", type=int, default=0, help="random seed (0)")

    def handle(self, *args, csv=None, dry_run=False, seed=0, **options):
        try:
            if csv:
                examples = examples_from_csv(csv)
                source, name = ClassifierSource.CSV, str(csv)
            else:
                examples = examples_from_database()
                source, name = ClassifierSource.DATABASE, "已确认工单 (confirmed tickets)"
            self.stdout.write(f"训练中 (training) on {len(examples)} examples from {name} …")
            result = classifier_train(
                examples=examples, source=source, source_name=name, dry_run=dry_run, seed=seed
            )
        except DomainError as error:
            raise CommandError(error.message) from error
        self._report(result, dry_run=dry_run)

    def _report(self, result: TrainingResult, *, dry_run: bool) -> None:
        m = result.metrics
        write = self.stdout.write
        write(
            f"样本 (examples): {result.data_size}, 训练 (trained on): {result.train_size}, "
            f"留出 (held out): {m['n']}, 用时 (took) {result.seconds:.1f} s"
        )
        write(
            f"留出集一级分类 (held-out, first level): macro-F1 {m['macro_f1']:.4f}, "
            f"accuracy {m['accuracy']:.4f}; 按标注层级 (at label depth): "
            f"macro-F1 {m['label_macro_f1']:.4f}, accuracy {m['label_accuracy']:.4f}; "
            f"{m['ms_per_ticket']:.2f} ms/ticket"
        )
        for label, scores in m["per_label"].items():
            write(
                f"  {label:<12} P {scores['precision']:.3f}  R {scores['recall']:.3f}  "
                f"F1 {scores['f1']:.3f}  n {scores['support']}"
            )
        if m.get("active_on_holdout"):
            old = m["active_on_holdout"]
            write(
                f"当前模型 v{old['version']} 在同一留出集 (active version on the same held-out "
                f"set): macro-F1 {old['macro_f1']:.4f}, at label depth {old['label_macro_f1']:.4f}"
            )
        if dry_run:
            verdict = (
                "将启用 (would be promoted)" if result.promoted else "不会启用 (would be rejected)"
            )
            write(f"试运行，未保存 (dry run, nothing stored): {verdict} — {result.reason}")
            return
        verdict = "已启用 (promoted)" if result.promoted else "未启用 (rejected)"
        write(self.style.SUCCESS(f"v{result.version.number} {verdict}: {result.reason}"))
