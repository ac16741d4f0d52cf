"""The search engine behind the knowledge base, in process and without the database.

PostgreSQL's Chinese full-text extensions are not packaged here and SQLite has none, so the
platform builds its own index, identical on both. Measured on citizen messages and the replies
they received (bench/knowledge.py), the best of what was tried is TF-IDF with cosine similarity
over jieba words plus character 1-3-grams: words alone (BM25) find the reply in the top 3 for
about 0.78 of the messages, this for about 0.85 (a citizen writes 暖气不热, the entry says 供暖
温度不达标: the characters catch what the words miss, and the cosine keeps long entries from
winning on length). Titles and keywords count several times, and the query is expanded with the
entries' synonyms (暖气 = 供暖 = 采暖). The index is one sparse matrix (entries × terms) of
normalised weights, so a query is one sparse product: milliseconds for 100,000 entries.
"""

import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import jieba
import numpy as np
from scipy import sparse

jieba.setLogLevel(60)  # jieba logs its dictionary loading on every process start

TITLE_WEIGHT = 3  # a title's and the keywords' terms count as this many occurrences
LONGEST_GRAM = 3
# Terms in more than this share of the entries say little about which one answers (您好, 问题):
# leaving them out of the query keeps a 100,000-entry search fast and barely moves the ranking.
COMMON_SHARE = 0.3
MAX_QUERY_CHARS = 2000
# Only the beginning of a long entry is indexed: it holds the answer, and the index stays small.
MAX_INDEXED_CHARS = 1500

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_WORDY = re.compile(r"[0-9a-z\u3400-\u4dbf\u4e00-\u9fff]")
STOPWORDS = frozenset(
    [
        "的",
        "了",
        "是",
        "在",
        "和",
        "与",
        "及",
        "或",
        "我",
        "你",
        "您",
        "他",
        "她",
        "我们",
        "你们",
        "他们",
        "这",
        "那",
        "这个",
        "那个",
        "有",
        "没有",
        "什么",
        "怎么",
        "怎么办",
        "如何",
        "为什么",
        "吗",
        "呢",
        "吧",
        "啊",
        "请",
        "请问",
        "一下",
        "一个",
        "就",
        "都",
        "也",
        "还",
        "又",
        "要",
        "能",
        "会",
        "可以",
        "对",
        "把",
        "被",
        "给",
        "让",
        "从",
        "到",
        "向",
        "为",
        "以",
        "等",
        "但",
        "而",
        "如果",
        "因为",
        "所以",
        "问题",
        "情况",
        "反映",
        "希望",
        "谢谢",
        "您好",
        "你好",
        "已经",
        "现在",
        "相关",
        "进行",
    ]
)
_SYNONYM_SPLIT = re.compile(r"[=＝/／|]")
_LIST_SPLIT = re.compile(r"[\n,，;；、]+")


def normalize(text: str) -> str:
    """Full-width to half-width, lower case, control characters to spaces."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    return "".join(" " if unicodedata.category(char)[0] == "C" else char for char in text)


def words(text: str) -> list[str]:
    tokens = jieba.lcut_for_search(text)
    return [
        token
        for token in (token.strip() for token in tokens)
        if len(token) > 1 and token not in STOPWORDS and _WORDY.search(token)
    ]


def grams(text: str) -> list[str]:
    """Character 1- to 3-grams over the letters and digits, punctuation and spaces left out."""
    chars = "".join(char for char in text if char.isalnum())
    out = []
    for n in range(1, LONGEST_GRAM + 1):
        out.extend(chars[i : i + n] for i in range(len(chars) - n + 1))
    return out


def terms(text: str) -> Counter:
    return Counter(words(text)) + Counter(grams(text))


def parse_keywords(keywords: str) -> tuple[list[str], list[list[str]]]:
    """``"暖气=供暖=采暖, 停暖"`` → the keywords and the synonym groups among them."""
    flat, groups = [], []
    for item in _LIST_SPLIT.split(normalize(keywords)):
        group = [word.strip() for word in _SYNONYM_SPLIT.split(item) if word.strip()]
        flat.extend(group)
        if len(group) > 1:
            groups.append(group)
    return flat, groups


@dataclass(frozen=True)
class Document:
    key: int  # the entry's id
    title: str
    body: str
    keywords: str = ""
    category: int | None = None


@dataclass
class Hit:
    key: int
    score: float  # cosine similarity, 0 to 1


def document_terms(document: Document) -> Counter:
    head = normalize(f"{document.title} {' '.join(parse_keywords(document.keywords)[0])}")
    bag = terms(normalize(document.body)[:MAX_INDEXED_CHARS])
    for term, count in terms(head).items():
        bag[term] += TITLE_WEIGHT * count
    return bag


def _weights(counts: np.ndarray) -> np.ndarray:
    return (1 + np.log(counts)).astype(np.float32)  # sublinear: the tenth 的 adds little


@dataclass
class Index:
    keys: list[int] = field(default_factory=list)
    categories: np.ndarray | None = None
    synonyms: dict[str, set[str]] = field(default_factory=dict)
    vocabulary: dict[str, int] = field(default_factory=dict)
    idf: np.ndarray | None = None
    df: np.ndarray | None = None
    matrix: sparse.csc_matrix | None = None  # entries × terms, each row of length 1

    @classmethod
    def build(
        cls,
        documents: Iterable[Document],
        *,
        synonyms: Iterable[Sequence[str]] = (),
        terms_of: Callable[[Document], Counter] | None = None,
    ):
        """``terms_of``: the document's terms (default: tokenise it), for a cache of them."""
        documents = list(documents)
        terms_of = terms_of or document_terms
        index = cls(keys=[document.key for document in documents])
        rows, cols, counts = [], [], []
        vocabulary = index.vocabulary
        for row, document in enumerate(documents):
            for term, count in terms_of(document).items():
                rows.append(row)
                cols.append(vocabulary.setdefault(term, len(vocabulary)))
                counts.append(count)
        n = len(documents)
        cols_a = np.asarray(cols, dtype=np.int32)
        index.df = np.bincount(cols_a, minlength=len(vocabulary)).astype(np.float32)
        index.idf = (np.log((1 + n) / (1 + index.df)) + 1).astype(np.float32)
        values = _weights(np.asarray(counts, dtype=np.float32)) * index.idf[cols_a]
        matrix = sparse.csr_matrix(
            (values, (np.asarray(rows, dtype=np.int32), cols_a)),
            shape=(n, len(vocabulary)),
            dtype=np.float32,
        )
        lengths = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
        lengths[lengths == 0] = 1
        index.matrix = sparse.csc_matrix(sparse.diags(1 / lengths).astype(np.float32) @ matrix)
        index.categories = np.asarray(
            [document.category or 0 for document in documents], dtype=np.int64
        )
        groups = [list(group) for group in synonyms]
        for document in documents:
            groups.extend(parse_keywords(document.keywords)[1])
        for group in groups:
            for word in group:
                index.synonyms.setdefault(word, set()).update(w for w in group if w != word)
        return index

    def __len__(self) -> int:
        return len(self.keys)

    def expand(self, query: str) -> str:
        """The query with the synonyms of what it mentions, so 暖气 also finds 供暖."""
        extra = [
            synonym
            for word, group in self.synonyms.items()
            if word in query
            for synonym in sorted(group)
        ]
        return " ".join([query, *extra])

    def search(
        self,
        query: str,
        *,
        limit: int = 10,
        allowed: np.ndarray | None = None,
        category: int | None = None,
        category_boost: float = 0.0,
    ) -> list[Hit]:
        """Best first. ``allowed``: a boolean mask over the entries (what the caller may see)."""
        if not self.keys or limit <= 0:
            return []
        bag = terms(self.expand(normalize(query)[:MAX_QUERY_CHARS]))
        cols, counts = [], []
        for term, count in bag.items():
            col = self.vocabulary.get(term)
            if col is not None:
                cols.append(col)
                counts.append(count)
        if not cols:
            return []
        cols_a = np.asarray(cols, dtype=np.int64)
        weights = _weights(np.asarray(counts, dtype=np.float32)) * self.idf[cols_a]
        # The norm over every known term, so the score is a true cosine, before the common
        # terms are left out of the product.
        norm = float(np.sqrt((weights**2).sum())) or 1.0
        rare = self.df[cols_a] <= max(COMMON_SHARE * len(self.keys), 2)
        if not rare.any():
            return []
        scores = self.matrix[:, cols_a[rare]] @ (weights[rare] / norm)
        if category and category_boost:
            scores[self.categories == category] *= 1 + category_boost
        if allowed is not None:
            scores[~allowed] = 0
        count = min(limit, int(np.count_nonzero(scores)))
        if count <= 0:
            return []
        top = np.argpartition(-scores, count - 1)[:count]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [Hit(key=self.keys[i], score=round(float(scores[i]), 4)) for i in top]
