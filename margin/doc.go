// Package margin turns an election's reported outcome into assertions and
// measures them: SHANGRLA's reduction of every audit to a set of
// "half-average nulls" (Stark 2020, "Sets of half-average nulls generate
// risk-limiting audits: SHANGRLA", Voting '20). Each Assertion names a
// contest and an assorter A, a function from a card's votes to [0, u_A];
// the reported outcome is right if, for every assertion, the mean of A over
// all cards exceeds 1/2.
//
// # Assertions
//
// Assertions builds them from a contest of a cvr.Election and its reported
// outcome: every reported winner against every reported loser for
// plurality, vote-for-N and approval (assertion "W v L"), one assertion
// "W v ALL_OTHERS" for a supermajority, and for instant-runoff voting the
// RAIRE assertions (Blom, Stuckey & Teague 2019) read with ReadRAIREJSON.
// CheckIRV confirms that a set of IRV assertions rules out every winner but
// the reported one, and VerifyIRV also compares with cvr's IRV count.
//
// # Margins
//
// A Meter reads cards once and accumulates every assertion's assorter
// values, with or without card-style data. The assorter mean and the
// diluted margin v = 2·mean − 1 come from exact integer counts; they equal
// numpy's pairwise mean, which SHANGRLA uses, bit for bit (see Meter.Mean).
// TallyMargin gives the margin from reported tallies as an exact rational.
//
// # Comparison audits
//
// Comparison holds what a ballot-level comparison audit (CLCA) needs for
// one assertion: the overstatement ω = A(CVR) − A(MVR) of a sampled card
// under the phantoms-to-evil-zombies rules (Banuelos & Stark 2012), the
// overstatement assorter B = (1 − ω/u_A)/(2 − v/u_A), its upper bound, and
// the discrepancy class (o2, o1, none, u1, u2). ONEAudit (Stark 2023) pools
// replace A(CVR) by the pool's mean for cards without their own CVR.
// BatchOverstatement and Macro give the batch-level overstatements of
// batch comparison audits (Stark 2008, MACRO).
//
// # Reading votes
//
// A card's vote in a contest is read the way cvr.Tally counts it: a contest
// flagged Invalid, or an unranked contest flagged Overvote or holding more
// selections than VoteFor (approval contests excepted), counts for no
// choice; a ranked contest is read with cvr.Preferences. A card without the
// contest has assorter value 1/2. Input is SHANGRLA's JSON shape for
// "rla margins", self-contained.
//
// # Differences from SHANGRLA
//
// SHANGRLA (github.com/pbstark/SHANGRLA, commit 9d5db92) is the reference;
// the public vectors are matched to 1e-12. rlakit departs from it here:
//   - a card without the contest has supermajority assorter value 1/2
//     (SHANGRLA raises KeyError);
//   - the supermajority margin from a tally is (T_W/f − V)/cards, the
//     value consistent with the assorter (SHANGRLA's find_margin_from_tally
//     returns q(T_W/(cards·f) − 1));
//   - overvotes count for no choice, as cvr's tally counts them; SHANGRLA's
//     assorter counts every mark unless its validation ran. Input follows
//     SHANGRLA unless Input.Validate is set;
//   - rankings are read with cvr.Preferences (skipped ranks passed over,
//     repeats counted once, an overvoted rank exhausts the ballot), as cvr's
//     IRV count reads them; on clean rankings this is SHANGRLA's reading;
//   - where SHANGRLA raises ValueError (a CVR without the contest under
//     card-style data) Comparison.Overstatement returns an error, and a
//     RAIRE already_eliminated that is a string is an error (SHANGRLA reads
//     it character by character);
//   - a supermajority mean is exact, rounded once; numpy's pairwise sum of
//     the values 1/(2f) may differ from it in the last bits.
package margin
