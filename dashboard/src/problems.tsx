// What the server refused, shown beside the control that sent it: a mutation's userErrors
// (or the request's own failure) as one line of "CODE: message".
export type Problem = { code: string; message: string };

export function problemsOf(result: { error?: { message: string }; data?: unknown }, key: string): Problem[] {
  if (result.error) return [{ code: "NETWORK", message: result.error.message }];
  const payload = (result.data as Record<string, { userErrors: Problem[] }> | undefined)?.[key];
  return payload?.userErrors ?? [];
}

export function Problems({ errors, label }: { errors?: Problem[]; label: string }) {
  if (!errors?.length) return null;
  return (
    <span className="error" role="alert" aria-label={label}>
      {errors.map((e) => `${e.code}: ${e.message}`).join("; ")}
    </span>
  );
}
