// Another program's nearest neighbours of a query (fastText's `nn`, gensim's most_similar)
// against ember's, as far as the scores printed can tell words apart: two words whose
// cosines differ by less than the printing's precision may come in either order, and at the
// K-th place either may be the one listed.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

namespace ember::testing {

struct ScoredWord {
  std::string word;
  double score = 0;
};

inline std::string neighbours_str(const std::vector<ScoredWord>& list) {
  std::ostringstream s;
  s.precision(9);
  for (const ScoredWord& w : list) s << " " << w.word << " " << w.score;
  return s.str();
}

// `theirs` and `ours` are the top K for the same query, best first; score_of(word) is ember's
// cosine of the query with any word. Same lists within `tol`: the i-th scores agree, each word
// they list has its score in ember's vectors, and a word that one list holds and the other
// does not scores as the K-th (a tie at the cut).
inline ::testing::AssertionResult same_neighbours(
    const std::vector<ScoredWord>& theirs, const std::vector<ScoredWord>& ours,
    const std::function<double(const std::string&)>& score_of, double tol) {
  const auto fail = [&]() {
    return ::testing::AssertionFailure() << "\n  theirs:" << neighbours_str(theirs)
                                         << "\n  ember: " << neighbours_str(ours) << "\n  ";
  };
  if (theirs.size() != ours.size() || ours.empty())
    return fail() << theirs.size() << " and " << ours.size() << " neighbours";
  const double last = ours.back().score;
  for (size_t i = 0; i < theirs.size(); ++i) {
    if (!(std::fabs(theirs[i].score - ours[i].score) <= tol))
      return fail() << "place " << i << ": score " << theirs[i].score << " vs ember's "
                    << ours[i].score;
    const double mine = score_of(theirs[i].word);
    if (!(std::fabs(theirs[i].score - mine) <= tol))
      return fail() << "'" << theirs[i].word << "' scores " << theirs[i].score
                    << ", in ember's vectors " << mine;
    bool listed = false;
    for (const ScoredWord& w : ours) listed |= w.word == theirs[i].word;
    // Its score is within tol of theirs[i], which is within tol of ours[i] >= last.
    if (!listed && !(std::fabs(mine - last) <= 2 * tol))
      return fail() << "'" << theirs[i].word << "' (" << mine
                    << ") is not among ember's and not a tie with its last (" << last << ")";
  }
  return ::testing::AssertionSuccess();
}

}  // namespace ember::testing
