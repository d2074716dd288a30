// Says the screen's device pixel ratio to the server (a components-v2 module, in its own fragment):
// once a session, and again if it changes (the window moved to another screen). The map's WebGL
// canvas is then drawn at the screen's own resolution: Plotly's default, twice the layout size in
// each direction, is four times the pixels a 1x screen (a projector's, most often) can show.
// `data` is the ratio the server already has, so an unchanged one sends nothing.
export default function ({ data, setStateValue }) {
  const ratio = Math.round(window.devicePixelRatio * 100) / 100;
  if (data !== ratio) setStateValue("ratio", ratio);
}
