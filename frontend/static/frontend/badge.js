// Role badges: a separate element built from the payload's `role` field, never words added to a name.
// A name is plain text, so no name (not even one that ends with a role word) can look like this element.

const BADGED_ROLES = new Set(["mentor", "facilitator", "moderator"]);

// The badge for a role, or null for roles shown without one (students).
export function roleBadge(role) {
  if (!BADGED_ROLES.has(role)) return null;
  const badge = document.createElement("span");
  badge.className = `badge badge-${role}`;
  badge.textContent = role;
  return badge;
}

// A name followed by its role badge, as nodes to append: [name] or [name, " ", badge].
export function nameWithBadge(name, role, className = "") {
  const who = document.createElement("span");
  if (className) who.className = className;
  who.textContent = name;
  const badge = roleBadge(role);
  return badge ? [who, " ", badge] : [who];
}
