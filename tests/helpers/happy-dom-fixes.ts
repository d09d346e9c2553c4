// happy-dom answers '' from Node.prototype's nodeName getter for every node (its subclasses
// override it), while browsers answer the real name. DOMPurify reads names through that getter
// (so that a clobbered `nodeName` cannot fool it); in happy-dom as shipped it would see no tag
// names and sanitize almost nothing. Importing this module gives the getter the browsers'
// behaviour; import it before anything that uses DOMPurify.
const nodeName = Object.getOwnPropertyDescriptor(Node.prototype, 'nodeName')!;
Object.defineProperty(Node.prototype, 'nodeName', {
  configurable: true,
  get(this: Node) {
    for (let proto = Object.getPrototypeOf(this); proto && proto !== Node.prototype; proto = Object.getPrototypeOf(proto)) {
      const own = Object.getOwnPropertyDescriptor(proto, 'nodeName');
      if (own?.get) return own.get.call(this);
    }
    return nodeName.get!.call(this);
  },
});
export {};
