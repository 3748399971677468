// Package rla runs a risk-limiting audit: it commits the inputs (ballot
// manifest, cast vote records, reported results), takes the public seed,
// sizes and draws each round's sample, records the audit boards'
// interpretations, measures the risk of every contest, decides whether a
// contest is confirmed, goes to another round or needs a full hand count,
// and writes the report that California's regulations (2 CCR 20110-20125)
// ask for.
//
// Everything an audit does is recorded in a hash-chained log (Log), one
// atomically written file per step, so an audit survives a crash at any
// point and any later change to its history is detected.
package rla
