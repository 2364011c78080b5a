/**
 * The labeling UI's lossy-compression flag: what the worklist badge and the status bar say when a slice's DICOM
 * pixel data was lossy-compressed (`WorklistItem.lossy` / `ProposalDto.lossy`, from `dicom.lossy` on the server).
 */

/** Badge text and tooltip for a lossy slice, or null when the slice is lossless (or not DICOM). */
export function lossyFlag(lossy: string | null | undefined): { text: string; title: string } | null {
  if (!lossy) return null;
  return { text: 'LOSSY', title: `Lossy-compressed image, HU approximate: ${lossy}` };
}

/** The status bar's lesion line, with the lossy note appended when the slice is lossy. */
export function lesionLine(lesionId: string, title: string, lossy: string | null | undefined): string {
  return lossyFlag(lossy) ? `${lesionId} — ${title} · LOSSY image (HU approximate)` : `${lesionId} — ${title}`;
}
