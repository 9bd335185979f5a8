"""BLEU-4 and ROUGE-L against values worked out by hand in the comments."""

from __future__ import annotations

import importlib.util
import math

import pytest

from adloom.evals.text_metrics import (
    RougeScore,
    bleu4,
    brevity_penalty,
    corpus_rouge_l,
    longest_common_subsequence,
    rouge_l,
    sentence_bleu4,
    tokenize_for_metrics,
)


# --- tokens -----------------------------------------------------------------------


def test_tokenizer_lowercases_and_splits_punctuation():
    assert tokenize_for_metrics("Don't wait: 3.5x faster, E-Cigarette users!") == [
        "don't", "wait", ":", "3.5x", "faster", ",", "e-cigarette", "users", "!",
    ]


def test_tokenizer_separates_sentence_final_period_and_symbols():
    assert tokenize_for_metrics("Save 20% now.") == ["save", "20", "%", "now", "."]
    assert tokenize_for_metrics("  \n ") == []


# --- BLEU -------------------------------------------------------------------------


def test_perfect_match_scores_one():
    text = "The cat sat on the mat."
    assert bleu4([text], [[text]]) == pytest.approx(1.0)
    assert sentence_bleu4(text, [text]) == pytest.approx(1.0)
    assert sentence_bleu4(text, [text], smoothing="none") == pytest.approx(1.0)


def test_no_overlap_scores_zero():
    assert bleu4(["alpha beta gamma delta"], [["one two three four"]]) == 0.0
    # Add-one smoothing does not touch unigrams, so no unigram match still gives 0.
    assert sentence_bleu4("alpha beta gamma delta", ["one two three four"]) == 0.0


def test_worked_corpus_example_with_brevity_penalty():
    # Segment 1: "the quick brown fox" (c=4) vs refs of length 5 and 6 -> closest r=5.
    #   every 1..4-gram of the candidate is in ref 1: 4/4, 3/3, 2/2, 1/1.
    # Segment 2: "the dog the dog barks" (c=5) vs "the dog barks loudly at night" (r=6).
    #   unigrams: the x2 clipped to 1, dog x2 clipped to 1, barks 1   -> 3/5
    #   bigrams:  "the dog" x2 clipped to 1, "dog the" 0, "dog barks" 1 -> 2/4
    #   trigrams: "the dog barks" 1 of 3                                -> 1/3
    #   4-grams:  none of 2                                             -> 0/2
    # Corpus: p1=7/9, p2=5/7, p3=3/5, p4=1/3; product = 1/9, geometric mean = 9^(-1/4).
    # c=9, r=5+6=11 -> BP = exp(1 - 11/9) = exp(-2/9).
    candidates = ["the quick brown fox", "the dog the dog barks"]
    references = [
        ["the quick brown fox jumps", "the fast brown fox jumps high"],
        ["the dog barks loudly at night"],
    ]
    expected = math.exp(-2 / 9) * 9 ** -0.25
    assert expected == pytest.approx(0.462306, abs=1e-6)
    assert bleu4(candidates, references) == pytest.approx(expected, rel=1e-12)
    # Segment 2 has no 4-gram match, so on its own (a one-segment corpus, or unsmoothed
    # sentence BLEU) it scores 0; pooled with segment 1 above it does not.
    assert bleu4(candidates[1:], references[1:]) == 0.0
    assert sentence_bleu4(candidates[1], references[1], smoothing="none") == 0.0


def test_brevity_penalty_values():
    assert brevity_penalty(10, 10) == pytest.approx(1.0)  # exp(1 - 1)
    assert brevity_penalty(11, 10) == 1.0
    assert brevity_penalty(5, 10) == pytest.approx(math.exp(-1.0))
    assert brevity_penalty(0, 3) == 0.0


def test_closest_reference_length_prefers_the_shorter_on_a_tie():
    # Candidate length 5; references of length 4 and 6 are equally close. With r=4 the
    # candidate is longer, BP=1, and every n-gram matches ref 2 -> BLEU 1. Had the
    # longer reference been chosen, BP would be exp(1 - 6/5) ~ 0.819.
    assert bleu4(["a b c d e"], [["a b c d", "a b c d e f"]]) == pytest.approx(1.0)


def test_clipping_limits_repeated_words():
    # Papineni's example: "the the the the the the the" vs "the cat is on the mat":
    # unigram precision 2/7 (clipped), nothing of higher order -> smoothed sentence BLEU
    # = BP * (2/7 * 1/7 * 1/6 * 1/5)^(1/4), BP=1 (7 > 6).
    score = sentence_bleu4("the the the the the the the", ["the cat is on the mat"])
    assert score == pytest.approx((2 / 7 * 1 / 7 * 1 / 6 * 1 / 5) ** 0.25)


def test_add_one_smoothing_worked_example():
    # "the cat sat on the mat" vs "the cat is on the mat" (both 6 tokens, BP=1):
    #   unigrams 5/6 (not smoothed); bigrams 3/5 -> 4/6; trigrams 1/4 -> 2/5; 4-grams 0/3 -> 1/4
    #   product = 5/6 * 4/6 * 2/5 * 1/4 = 1/18
    score = sentence_bleu4("the cat sat on the mat", ["the cat is on the mat"])
    assert score == pytest.approx((1 / 18) ** 0.25)
    assert sentence_bleu4("the cat sat on the mat", ["the cat is on the mat"], smoothing="none") == 0.0


def test_short_perfect_match_has_no_4grams():
    # BLEU-4 of a 2-token sentence is 0 without smoothing (no 3- or 4-grams to count);
    # with add-one, empty orders count as 1/1, so a perfect short match scores 1.
    assert bleu4(["buy now"], [["buy now"]]) == 0.0
    assert sentence_bleu4("buy now", ["buy now"]) == pytest.approx(1.0)


def test_empty_input_rules():
    with pytest.raises(ValueError, match="at least one candidate"):
        bleu4([], [])
    with pytest.raises(ValueError, match="2 candidates but 1"):
        bleu4(["a", "b"], [["a"]])
    with pytest.raises(ValueError, match="non-empty list of reference"):
        bleu4(["a"], [[]])
    with pytest.raises(ValueError, match="non-empty list of reference"):
        bleu4(["a"], ["a"])  # a bare string is not a list of references
    with pytest.raises(ValueError, match="smoothing"):
        sentence_bleu4("a", ["a"], smoothing="laplace")  # type: ignore[arg-type]
    assert bleu4([""], [["some reference"]]) == 0.0
    assert sentence_bleu4("", ["some reference"]) == 0.0


# --- ROUGE-L ----------------------------------------------------------------------


def test_lcs_examples():
    assert longest_common_subsequence("abcbdab", "bdcaba") == 4  # classic CLRS example
    assert longest_common_subsequence([], ["a"]) == 0


def test_rouge_l_cat_example():
    # LCS("the cat sat on the mat", "the cat on the mat") = "the cat on the mat" = 5.
    # P = 5/6, R = 5/5 = 1, F(beta=1) = 2PR/(P+R) = (10/6)/(11/6) = 10/11.
    score = rouge_l("the cat sat on the mat", "the cat on the mat")
    assert score == RougeScore(precision=pytest.approx(5 / 6), recall=1.0, f1=pytest.approx(10 / 11))
    # beta=1.2: F = 2.44 * (5/6) / (1 + 1.44 * 5/6) = 2.0333.../2.2 = 0.924242...
    assert rouge_l("the cat sat on the mat", "the cat on the mat", beta=1.2).f1 == pytest.approx(
        2.44 * (5 / 6) / 2.2
    )


def test_rouge_l_counts_in_order_matches_only():
    # Lin (2004): reference "police killed the gunman";
    # "police kill the gunman" shares "police the gunman" (3); "the gunman kill police"
    # shares only "the gunman" (2), although both have the same unigram overlap.
    reference = "police killed the gunman"
    assert rouge_l("police kill the gunman", reference).f1 == pytest.approx(3 / 4)
    assert rouge_l("the gunman kill police", reference).f1 == pytest.approx(2 / 4)


def test_rouge_l_perfect_none_and_empty():
    assert rouge_l("Buy now!", "buy now !").f1 == pytest.approx(1.0)
    assert rouge_l("alpha", "beta") == RougeScore(0.0, 0.0, 0.0)
    assert rouge_l("", "beta") == RougeScore(0.0, 0.0, 0.0)
    assert rouge_l("alpha", "") == RougeScore(0.0, 0.0, 0.0)
    with pytest.raises(ValueError, match="beta"):
        rouge_l("a", "a", beta=0)


def test_corpus_rouge_l_is_the_mean_f():
    # F values 10/11 (cat example) and 0 (no overlap) -> mean 5/11.
    mean = corpus_rouge_l(["the cat sat on the mat", "alpha"], ["the cat on the mat", "beta"])
    assert mean == pytest.approx(5 / 11)
    with pytest.raises(ValueError, match="at least one"):
        corpus_rouge_l([], [])
    with pytest.raises(ValueError, match="1 candidates but 2"):
        corpus_rouge_l(["a"], ["a", "b"])


@pytest.mark.skipif(importlib.util.find_spec("sacrebleu") is None, reason="sacrebleu not installed (optional cross-check)")
def test_cross_check_with_sacrebleu():
    import sacrebleu

    candidates = ["the quick brown fox", "the dog the dog barks"]
    references = [["the quick brown fox jumps", "the dog barks loudly at night"]]
    theirs = sacrebleu.corpus_bleu(candidates, references, tokenize="13a", lowercase=True)
    mine = bleu4(candidates, [[references[0][0]], [references[0][1]]])
    assert mine * 100 == pytest.approx(theirs.score, abs=0.01)
