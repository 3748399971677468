// Package rla runs a risk-limiting audit: it commits the inputs (ballot
// manifest, cast vote records, reported results), takes the public seed,
// sizes and draws each round's sample, records the audit boards'
// interpretations, measures the risk of every contest, decides whether a
// contest is confirmed, goes to another round or needs a full hand count,
// and writes the report that California's regulations (2 CCR 20110-20125)
// ask for.
//
// # Workflow
//
// Init commits the inputs and reconciles them; Audit.SetSeed records the
// seed; Audit.Draw opens a round (sized by simulation) and draws its sample;
// Audit.Record enters interpretations and measures the risk; Audit.Status
// gives each contest's state (confirmed, escalate, full_hand_count or
// in_progress); Audit.NextRound opens another round for the contests that
// escalate; Audit.HandCount records a full manual tally; Audit.Report writes
// the report; Verify re-derives everything from the log and the inputs.
//
// Comparison audits use SHANGRLA's card-style consistent sampling and ALPHA
// with the optimal comparison bet on overstatement assorters (package
// margin); polling audits draw Arlo's consistent tickets from the manifest
// and use ALPHA shrink-trunc. Ranked-choice contests are audited from RAIRE
// assertions. Cards in the manifest without a CVR, and cards not found, count
// as the worst case (phantoms to evil zombies, Banuelos & Stark 2012).
//
// Hybrid audits (Method Hybrid) pool the batches that have reported counts
// but no CVRs (ONEAudit, Stark 2023): a pooled card's CVR is its pool's mean
// assorter value. Batch comparison audits (Method Batch) draw batches with
// probability proportional to their cards, with replacement, and compare
// each drawn batch's hand count with its reported counts through SHANGRLA's
// batch-level overstatement assorter. Two-phase audits (Config.Pending,
// Audit.Phase2) start on the cards tabulated so far, with pending slots for
// the rest; the final cards are placed in the slots by a second seed, so
// the first phase's sample carries over (see phase2.go for why this is
// sound).
//
// For jurisdictions whose rules name other methods, Config.Selection draws
// with Rivest's sampler (with replacement, over all cards) or Arlo's
// tickets, and Config.RiskFunction selects Stark's Kaplan-Markov P-value
// (comparison) or BRAVO (polling), both with Rivest's sampler.
// Config.Polled audits chosen contests of a comparison audit by polling on
// the same sample. The official may call a full hand count of any contest
// at any time (CallHandCount).
//
// # State
//
// An audit lives in one directory: inputs/ holds copies of the committed
// files and log/ one JSON file per step. Every step is recorded in a
// hash-chained Log, each entry written atomically (temporary file, fsync,
// rename, directory fsync) and carrying the SHA-256 of the previous one, so
// an audit survives a crash at any point and any later change to its history
// is detected. Nothing else is state: Open replays the log.
package rla
