"""Evaluate the active classifier version on a labelled CSV file (id,title,body,label).

Why it exists: to measure the model that is live on data it has not seen — a hand-labelled
sample, or a hold-out kept outside the project — with the figures the 12345 evaluation uses:
macro-F1, accuracy, per-category precision/recall/F1, and milliseconds per ticket. Labels are
compared at the first level of the taxonomy (城乡建设, 劳动和社会保障, …), the level such files name.
"""

import json
import statistics
import time

from django.core.management.base import BaseCommand, CommandError

from dispatch.classification import LearnedClassifier
from dispatch.classifier.bundle import evaluate_paths, path_prefix
from dispatch.learning import active_model, examples_from_csv
from hotline.lib.errors import DomainError

# Single predictions timed for ms_per_ticket: the whole classifier (category, urgency, request
# type, region, units), as the worker calls it for one ticket.
TIMED = 200


class Command(BaseCommand):
    help = "在标注的 CSV 上评估当前启用的分类模型 (evaluate the active classifier on a CSV file)."

    def add_arguments(self, parser):
        parser.add_argument("--csv", metavar="FILE", required=True, help="id,title,body,label")
        parser.add_argument(
            "--json", dest="as_json", action="store_true", help="print one JSON object"
        )

    def handle(self, *args, csv: str, as_json: bool = False, **options):
        try:
            version, bundle = active_model()
            examples = examples_from_csv(csv)
        except DomainError as error:
            raise CommandError(error.message) from error
        if not examples:
            raise CommandError(f"文件中没有标注样本 (no labelled rows in {csv})")
        texts = [example.text for example in examples]
        truth = [path_prefix(example.label, 1) for example in examples]
        result = evaluate_paths(bundle.model, texts, truth)
        result["model_ms_per_ticket"] = result.pop("ms_per_ticket")
        timings = self._time_whole_classifier(bundle, version.number, examples[:TIMED])
        result.update(
            {
                "version": version.number,
                "ms_per_ticket": statistics.fmean(timings),
                "ms_per_ticket_p50": statistics.median(timings),
            }
        )
        if as_json:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
            return
        self.stdout.write(
            f"模型 v{version.number} 在 {csv} 上 (active version on {result['n']} rows): "
            f"macro-F1 {result['macro_f1']:.4f}, accuracy {result['accuracy']:.4f}, "
            f"{result['ms_per_ticket']:.2f} ms/ticket (p50 {result['ms_per_ticket_p50']:.2f}; "
            f"text model alone {result['model_ms_per_ticket']:.2f})"
        )
        self.stdout.write(f"  {'分类 (category)':<14} precision  recall     F1  support")
        for label, s in result["per_label"].items():
            self.stdout.write(
                f"  {label:<14} {s['precision']:9.3f} {s['recall']:7.3f} {s['f1']:6.3f}"
                f" {s['support']:8d}"
            )

    @staticmethod
    def _time_whole_classifier(bundle, number: int, examples) -> list[float]:
        classifier = LearnedClassifier(bundle, version_number=number)
        timings = []
        for example in examples:
            title, _, content = example.text.partition("\n")
            started = time.perf_counter()
            classifier.predict(title=title, content=content, address="")
            timings.append(1000 * (time.perf_counter() - started))
        return timings
