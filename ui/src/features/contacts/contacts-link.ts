/** "#/contacts?group=12" → 12: how the Groups page's "Members" opens the Contacts page. */
export function groupFromHash(hash: string): number | null {
  const query = hash.split("?")[1];
  if (!query) return null;
  const value = new URLSearchParams(query).get("group");
  const id = value === null ? NaN : Number(value);
  return Number.isInteger(id) && id > 0 ? id : null;
}

export function contactsOfGroupHash(groupId: number): string {
  return `#/contacts?group=${groupId}`;
}
