// The sidebar and browser UI. Built as its own bundle; the chat and avatar arrive with issue 3.
export {};
