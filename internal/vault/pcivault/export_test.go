package pcivault

// UserRecords lets the external tests write user key records as only a
// holder of the tenant's data key could.
var UserRecords = userRecords
