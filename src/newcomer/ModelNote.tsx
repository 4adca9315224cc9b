// One line that says what this model draws, before anyone types: the family's name and image
// size come from the manifest; the model card is served next to the models.
import { useApp } from '../store';

/** sourceUrl: the repository's address, when the deployment knows it (no link otherwise). */
export function ModelNote({ sourceUrl }: { sourceUrl?: string }) {
  const f = useApp((s) => s.facts);
  const card = new URL('models/README.md', document.baseURI).href;
  return (
    <p className="model-note" data-testid="model-note">
      {f ? (
        <>
          <strong>{f.family}</strong> draws {f.imageSize}x{f.imageSize} emoji
        </>
      ) : (
        <>This model draws small emoji</>
      )}
      : trained from scratch on Noto and Twemoji art, so ask for emoji (“red apple”, “dog face in twemoji style”), not photos.{' '}
      <a href={card} target="_blank" rel="noopener">
        Model card
      </a>
      {sourceUrl && (
        <>
          {' · '}
          <a href={sourceUrl} target="_blank" rel="noopener">
            Source
          </a>
        </>
      )}
    </p>
  );
}
