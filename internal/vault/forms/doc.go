// Package forms keeps hosted capture form configurations (PCI Vault's
// "configured hosted forms"). A form's id is unique vault-wide, as it
// appears in the public URL that loads the form; its settings, the scripts
// it runs among them, are sealed with the record, so the store can neither
// read nor alter (nor move between tenants) what the form does. A deleted
// form's id is buried and never reused.
package forms
