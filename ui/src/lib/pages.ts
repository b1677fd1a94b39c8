// The whole product, in navigation order.
export const PAGES = [
  { id: "dashboard", label: "Dashboard" },
  { id: "accounts", label: "Accounts" },
  { id: "groups", label: "Groups" },
  { id: "contacts", label: "Contacts" },
  { id: "campaigns", label: "Campaigns" },
  { id: "inbox", label: "Inbox" },
  { id: "settings", label: "Settings" },
  { id: "logs", label: "Logs" },
] as const;

export type PageId = (typeof PAGES)[number]["id"];
